package dev.loraforge.jobapi.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The guard with private URLs refused, as in production; only literal addresses or a fake resolver, no network. */
class UrlGuardTest {

    private final UrlGuard guard = new UrlGuard(false);

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
    @ValueSource(strings = {"https://93.184.216.34/hooks/lora", "http://8.8.8.8:8080/x", "https://[2606:4700::1111]/x",
            "https://172.32.0.1/x", "https://100.128.0.1/x", "https://[64:ff9b::808:808]/x"})
    void acceptsPublicLiteralsWithoutConnecting(String url) {
        assertThat(guard.check(url)).isEqualTo(URI.create(url));
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
