package dev.loraforge.jobapi.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The guard with private URLs refused, as in production; only literal addresses or a fake resolver,
 * no network. {@code guard} knows this machine's real interfaces; {@code anyHost} has none of its
 * own, so the range checks below do not depend on the machine they run on.
 */
class UrlGuardTest {

    private final UrlGuard guard = new UrlGuard(false);
    private final UrlGuard anyHost = new UrlGuard(false, InetAddress::getAllByName, HostAddresses.of(Map.of()));

    @ParameterizedTest
    @ValueSource(strings = {
            "http://127.0.0.1/hook", "http://127.1.2.3:8080/hook", "http://10.0.0.1/hook", "https://172.16.0.1/x",
            "https://172.31.255.255/x", "https://192.168.1.10/x", "http://[::1]/hook", "http://[::]/x",
            "http://169.254.169.254/latest/meta-data", "http://0.0.0.0:8080/", "http://0.1.2.3/",
            "http://[fe80::1]/x", "http://[fd00:ec2::254]/x", "http://[fc00::5]/x", "http://224.0.0.1/x",
            "http://[ff02::1]/x", "http://100.100.100.200/x", "http://100.64.0.1/x", "http://192.0.0.192/x",
            "http://198.18.0.1/x", "http://255.255.255.255/x", "http://[::ffff:127.0.0.1]/x",
            "http://[::ffff:10.1.1.1]/x", "http://[64:ff9b::a9fe:a9fe]/x", "http://[2002:7f00:1::]/x",
            "http://[::127.0.0.1]/x"})
    void refusesNonPublicAddresses(String url) {
        assertThatThrownBy(() -> guard.check(url))
                .isInstanceOf(UrlGuard.RefusedUrl.class)
                .hasMessageContaining("public addresses only");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://93.184.216.34/hooks/lora", "http://93.184.216.34:8080/x", "http://8.8.8.8:8080/x",
            "https://[2606:4700::1111]/x", "https://[2606:2800:220:1:248:1893:25c8:1946]/hooks",
            "http://[2606:2800:220:1:248:1893:25c8:1946]:8080/x", "https://172.32.0.1/x", "https://100.128.0.1/x",
            "https://[64:ff9b::808:808]/x", "https://[2002:808:808::1]/x",
            // next to the documentation and benchmarking blocks, outside them
            "https://192.0.1.255/x", "https://192.0.3.0/x", "https://198.51.99.255/x", "https://198.51.101.0/x",
            "https://203.0.112.255/x", "https://203.0.114.0/x", "https://198.17.255.255/x", "https://198.20.0.0/x",
            "https://[2001:db7:ffff:ffff:ffff:ffff:ffff:ffff]/x", "https://[2001:db9::]/x", "https://[3fff:1000::]/x",
            // Teredo, judged by its client's address (stored inverted): 8.8.8.8
            "https://[2001:0:4136:e378:8000:63bf:f7f7:f7f7]/x"})
    void acceptsPublicLiteralsWithoutConnecting(String url) {
        assertThat(guard.check(url)).isEqualTo(URI.create(url));
        assertThat(anyHost.check(url)).isEqualTo(URI.create(url));
    }

    /** First, middle and last address of each documentation and benchmarking block. */
    @ParameterizedTest
    @CsvSource({
            "192.0.2.0, TEST-NET-1", "192.0.2.128, TEST-NET-1", "192.0.2.255, TEST-NET-1",
            "198.51.100.0, TEST-NET-2", "198.51.100.128, TEST-NET-2", "198.51.100.255, TEST-NET-2",
            "203.0.113.0, TEST-NET-3", "203.0.113.128, TEST-NET-3", "203.0.113.255, TEST-NET-3",
            "198.18.0.0, benchmarking", "198.19.0.0, benchmarking", "198.19.255.255, benchmarking",
            "[2001:db8::], 2001:db8::/32 (reserved for documentation",
            "[2001:db8:8000::], 2001:db8::/32 (reserved for documentation",
            "[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff], 2001:db8::/32 (reserved for documentation",
            "[3fff::], 3fff::/20 (reserved for documentation",
            "[3fff:800::], 3fff::/20 (reserved for documentation",
            "[3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff], 3fff::/20 (reserved for documentation",
            "[2001:2::], 2001:2::/48 (benchmarking", "[2001:2:0:8000::], 2001:2::/48 (benchmarking",
            "[2001:2:0:ffff:ffff:ffff:ffff:ffff], 2001:2::/48 (benchmarking"})
    void refusesDocumentationAndBenchmarkingBlocksSayingWhich(String host, String block) {
        String url = "https://" + host + ":8080/hook";
        assertThatThrownBy(() -> anyHost.check(url))
                .isInstanceOf(UrlGuard.RefusedUrl.class)
                .hasMessageContaining(block)
                .hasMessageContaining("public addresses only");
        assertThatThrownBy(() -> guard.check(url)).isInstanceOf(UrlGuard.RefusedUrl.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "http://192.88.99.1/x | retired 6to4 relay",
            "http://240.0.0.1/x | 240.0.0.0/4 (reserved)",
            "http://255.255.255.255/x | the broadcast address",
            "http://0.0.0.0:8080/x | the unspecified address",
            "http://[64:ff9b:1::a00:1]/x | local-use IPv4/IPv6 translation",
            "http://[100::1]/x | discard-only",
            "http://[5f00::1]/x | segment-routing",
            "http://[4000::1]/x | outside the IPv6 global unicast space",
            "http://[2001:1::1]/x | 2001::/23 (IETF protocol assignments",
            "http://[fec0::1]/x | site-local",
            "http://[2002:c000:201::]/x | the 6to4 IPv6 form of 192.0.2.1, in 192.0.2.0/24 (TEST-NET-1",
            "http://[64:ff9b::c633:6407]/x | the NAT64 IPv6 form of 198.51.100.7, in 198.51.100.0/24 (TEST-NET-2",
            "http://[::ffff:0:7f00:1]/x | the IPv4-translated IPv6 form of 127.0.0.1, a loopback address",
            "http://[::a9fe:a9fe]/x | the IPv4-compatible IPv6 form of 169.254.169.254, a link-local address",
            // Teredo: the client's address is stored inverted; f5ff:fffe is 10.0.0.1
            "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/x | the Teredo IPv6 form of 10.0.0.1, a private address"})
    void refusesTheOtherSpecialPurposeBlocksSayingWhy(String url, String why) {
        assertThatThrownBy(() -> anyHost.check(url))
                .isInstanceOf(UrlGuard.RefusedUrl.class)
                .hasMessageContaining(why);
    }

    @Test
    void judgesAnIpv4MappedAddressAsItsIpv4Address() throws Exception {
        // InetAddress.getByName turns ::ffff:a.b.c.d into IPv4 itself; a resolver may not
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 9};
        InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);
        UrlGuard resolving = new UrlGuard(false, host -> new InetAddress[]{v6}, HostAddresses.of(Map.of()));
        assertThatThrownBy(() -> resolving.check("https://mapped.customer.test/x"))
                .hasMessageContaining("resolves to 0:0:0:0:0:ffff:c000:209, which is")
                .hasMessageContaining("the IPv4-mapped IPv6 form of 192.0.2.9, in 192.0.2.0/24 (TEST-NET-1");
    }

    /**
     * Every address of every interface of the machine running this test, port 8080 (job-api's)
     * included. Internal services listen on all of them.
     */
    @Test
    void refusesEveryAddressOfThisHostsOwnInterfaces() throws Exception {
        Map<InetAddress, Set<String>> own = new LinkedHashMap<>(); // address (no scope) -> interfaces that have it
        List<NetworkInterface> nics = new ArrayList<>(NetworkInterface.networkInterfaces().toList());
        for (int i = 0; i < nics.size(); i++) {
            NetworkInterface nic = nics.get(i);
            nics.addAll(nic.subInterfaces().toList());
            for (InetAddress a : nic.inetAddresses().toList()) {
                own.computeIfAbsent(InetAddress.getByAddress(a.getAddress()), k -> new TreeSet<>()).add(nic.getName());
            }
        }
        // a machine has at least its loopback interface; an empty list would mean nothing was checked
        assertThat(own.keySet()).as("this host's interface addresses").isNotEmpty();
        for (var entry : own.entrySet()) {
            InetAddress address = entry.getKey();
            String literal = address.getHostAddress();
            String url = "http://" + (address instanceof Inet6Address ? "[" + literal + "]" : literal) + ":8080/internal";
            Throwable refused = catchThrowable(() -> guard.check(url));
            assertThat(refused).as(url + " refused").isInstanceOf(UrlGuard.RefusedUrl.class);
            String message = refused.getMessage();
            if (address.isLoopbackAddress()) {
                assertThat(message).as(url).contains("a loopback address");
            } else {
                // refused for being this host's, whatever block it is in (a public one included)
                assertThat(message).as(url).containsPattern("is an address of this host \\(network interface ("
                        + String.join("|", entry.getValue().stream().map(java.util.regex.Pattern::quote).toList())
                        + ")\\), where the platform's internal services listen");
            }
        }
    }

    @Test
    void refusesThisHostsOwnAddressesEvenWhenPublic() throws UnknownHostException {
        InetAddress v4 = InetAddress.getByName("93.184.216.34");
        InetAddress v6 = InetAddress.getByName("2606:2800:220:1:248:1893:25c8:1946");
        UrlGuard onPublicHost = new UrlGuard(false, host -> switch (host) {
            case "self.customer.test" -> new InetAddress[]{v4};
            default -> InetAddress.getAllByName(host);
        }, HostAddresses.of(Map.of(v4, "eth0", v6, "eth0")));

        assertThatThrownBy(() -> onPublicHost.check("http://93.184.216.34:8080/v1/files"))
                .hasMessageContaining("url host '93.184.216.34' is an address of this host (network interface eth0), "
                        + "where the platform's internal services listen. Webhook URLs must reach public addresses only.");
        assertThatThrownBy(() -> onPublicHost.check("http://[2606:2800:220:1:248:1893:25c8:1946]:8080/"))
                .hasMessageContaining("an address of this host (network interface eth0)");
        assertThatThrownBy(() -> onPublicHost.check("https://self.customer.test/x"))
                .hasMessageContaining("resolves to 93.184.216.34, which is an address of this host");
        assertThatThrownBy(() -> onPublicHost.check("http://[64:ff9b::5db8:d822]/x"))
                .hasMessageContaining("the NAT64 IPv6 form of 93.184.216.34, an address of this host");
        assertThat(onPublicHost.check("https://8.8.8.8/x")).isNotNull();
    }

    @Test
    void rereadsThisHostsAddressesAfterAFewSecondsAndKeepsTheLastReadingIfItFails() throws Exception {
        InetAddress added = InetAddress.getByName("93.184.216.34");
        AtomicLong now = new AtomicLong();
        AtomicInteger reads = new AtomicInteger();
        Map<InetAddress, String> current = new HashMap<>();
        HostAddresses host = new HostAddresses(() -> {
            reads.incrementAndGet();
            if (current.isEmpty()) {
                throw new SocketException("no interfaces yet");
            }
            return Map.copyOf(current);
        }, now::get);
        UrlGuard guarded = new UrlGuard(false, InetAddress::getAllByName, host);

        // never read: nothing can be checked, so nothing is accepted
        assertThatThrownBy(() -> guarded.check("https://8.8.8.8/x"))
                .hasMessageContaining("could not be checked: this host's network interfaces could not be listed");
        current.put(InetAddress.getByName("8.8.4.4"), "eth0");
        assertThat(guarded.check("https://93.184.216.34/x")).isNotNull();
        current.put(added, "eth1"); // an address added at run time
        now.addAndGet(HostAddresses.MAX_AGE_NANOS - 1);
        assertThat(guarded.check("https://93.184.216.34/x")).as("still the cached reading").isNotNull();
        now.addAndGet(1);
        assertThatThrownBy(() -> guarded.check("https://93.184.216.34/x")).hasMessageContaining("network interface eth1");
        int before = reads.get();
        current.clear(); // listing fails from now on: the last reading holds
        now.addAndGet(HostAddresses.MAX_AGE_NANOS);
        assertThatThrownBy(() -> guarded.check("https://93.184.216.34/x")).hasMessageContaining("network interface eth1");
        assertThat(reads.get()).isEqualTo(before + 1);
    }

    @Test
    void resolvesOnceAndReturnsTheCheckedAddressesToConnectTo() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        InetAddress[] answer = {InetAddress.getByName("93.184.216.34"), InetAddress.getByName("2606:4700::1111")};
        UrlGuard resolving = new UrlGuard(false, host -> {
            lookups.incrementAndGet();
            return answer;
        }, HostAddresses.of(Map.of()));
        assertThat(resolving.resolve(URI.create("https://hooks.customer.test/x"))).containsExactly(answer);
        assertThat(lookups).hasValue(1);
        // with private URLs allowed the addresses are still looked up (to connect to), not judged
        UrlGuard open = new UrlGuard(true, host -> new InetAddress[]{InetAddress.getByName("127.0.0.1")});
        assertThat(open.resolve(URI.create("http://local.test:9999/x")))
                .containsExactly(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void judgesEveryAddressTheHostResolvesTo() {
        Map<String, String[]> dns = Map.of(
                "hooks.customer.test", new String[]{"93.184.216.34"},
                "rebound.customer.test", new String[]{"93.184.216.34", "10.0.0.7"});
        UrlGuard resolving = new UrlGuard(false, host -> {
            String[] found = dns.get(host);
            if (found == null) {
                throw new UnknownHostException(host);
            }
            InetAddress[] addresses = new InetAddress[found.length];
            for (int i = 0; i < found.length; i++) {
                addresses[i] = InetAddress.getByName(found[i]);
            }
            return addresses;
        });
        assertThat(resolving.check("https://hooks.customer.test/x")).isNotNull();
        assertThatThrownBy(() -> resolving.check("https://rebound.customer.test/x"))
                .hasMessageContaining("'rebound.customer.test' resolves to 10.0.0.7, which is a private address");
        assertThatThrownBy(() -> resolving.check("https://nowhere.customer.test/x"))
                .hasMessageContaining("does not resolve");
    }

    @Test
    void refusesMalformedUrlsSayingWhy() {
        assertThatThrownBy(() -> guard.check(null)).hasMessageContaining("url is required");
        assertThatThrownBy(() -> guard.check("ftp://93.184.216.34/x")).hasMessageContaining("https:// or http://");
        assertThatThrownBy(() -> guard.check("93.184.216.34/x")).hasMessageContaining("https:// or http://");
        assertThatThrownBy(() -> guard.check("https:///x")).hasMessageContaining("no valid host");
        assertThatThrownBy(() -> guard.check("https://a b/")).hasMessageContaining("not a valid URL");
        assertThatThrownBy(() -> guard.check("https://me:pw@93.184.216.34/x"))
                .hasMessageContaining("credentials").hasMessageNotContaining("pw");
        assertThatThrownBy(() -> guard.check("https://93.184.216.34/x#frag")).hasMessageContaining("fragment");
        assertThatThrownBy(() -> guard.check("https://93.184.216.34/" + "a".repeat(2100))).hasMessageContaining("at most");
    }

    @Test
    void allowsPrivateAddressesOnlyWhenConfigured() {
        UrlGuard open = new UrlGuard(true, host -> {
            throw new AssertionError("no lookup when private URLs are allowed");
        });
        assertThat(open.check("http://127.0.0.1:9999/hook")).isNotNull();
        assertThatThrownBy(() -> open.check("ftp://127.0.0.1/")).isInstanceOf(UrlGuard.RefusedUrl.class);
    }
}
