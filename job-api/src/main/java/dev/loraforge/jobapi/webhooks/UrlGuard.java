package dev.loraforge.jobapi.webhooks;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Keeps webhook deliveries off the platform's own network (server-side request forgery): an
 * endpoint URL is {@code http} or {@code https} with a host, and, unless private URLs are allowed,
 * every address its host resolves to must be an ordinary public address that is not this host's.
 * Checked when the endpoint is created and again at every attempt, which connects only to an
 * address that attempt's check passed ({@link #resolve}): a DNS answer changed in between (DNS
 * rebinding) is judged before anything is sent.
 *
 * <p>Refused: every address of this host's network interfaces ({@link HostAddresses}; the internal
 * services listen on all of them, port 8080 included), and the special-purpose blocks of
 * {@link SpecialAddresses}: unspecified (0.0.0.0/8, ::), loopback (127/8, ::1), private (10/8,
 * 172.16/12, 192.168/16), link-local (169.254/16 with the cloud metadata address 169.254.169.254,
 * fe80::/10), unique-local and site-local IPv6 (fc00::/7 with fd00:ec2::254, fec0::/10), multicast
 * (224/4, ff00::/8), shared address space 100.64/10 (with the metadata address 100.100.100.200),
 * 192.0.0.0/24 (with 192.0.0.192), documentation (192.0.2/24, 198.51.100/24, 203.0.113/24,
 * 2001:db8::/32, 3fff::/20), benchmarking (198.18/15, 2001:2::/48), the retired 6to4 relays
 * 192.88.99/24, reserved 240/4 and the broadcast address, the rest of 2001::/23, 64:ff9b:1::/48,
 * 100::/64 and any IPv6 address outside global unicast 2000::/3. IPv6 forms that carry an IPv4
 * address (IPv4-mapped, -translated, -compatible, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo
 * 2001::/32) are judged by that address.
 */
public final class UrlGuard {

    /** The URL is not one deliveries may go to; the message says why and what would do. */
    public static final class RefusedUrl extends RuntimeException {
        RefusedUrl(String message) {
            super(message);
        }
    }

    /** Host name to addresses; {@link InetAddress#getAllByName} but for tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    static final int MAX_LENGTH = 2048;

    private final boolean allowPrivate;
    private final Resolver resolver;
    private final HostAddresses thisHost;

    public UrlGuard(boolean allowPrivate) {
        this(allowPrivate, InetAddress::getAllByName);
    }

    public UrlGuard(boolean allowPrivate, Resolver resolver) {
        this(allowPrivate, resolver, new HostAddresses());
    }

    UrlGuard(boolean allowPrivate, Resolver resolver, HostAddresses thisHost) {
        this.allowPrivate = allowPrivate;
        this.resolver = resolver;
        this.thisHost = thisHost;
    }

    /**
     * The URL's form and, unless private URLs are allowed, its addresses.
     *
     * @throws RefusedUrl with a message naming the problem
     */
    public URI check(String url) {
        URI uri = parse(url);
        if (!allowPrivate) {
            resolve(uri);
        }
        return uri;
    }

    /** Form only: scheme, host, no credentials or fragment. */
    public static URI parse(String url) {
        if (url == null || url.isBlank()) {
            throw new RefusedUrl("url is required: the http or https URL that receives the events.");
        }
        if (url.length() > MAX_LENGTH) {
            throw new RefusedUrl("url is " + url.length() + " characters long; at most " + MAX_LENGTH + " are accepted.");
        }
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new RefusedUrl("url '" + url + "' is not a valid URL: " + e.getReason() + " at index " + e.getIndex() + ".");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!"https".equals(scheme) && !"http".equals(scheme)) {
            throw new RefusedUrl("url '" + url + "' must start with https:// or http://.");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new RefusedUrl("url '" + url + "' has no valid host name (letters, digits, '-' and '.', or an IP address).");
        }
        if (uri.getRawUserInfo() != null) {
            throw new RefusedUrl("url '" + redact(uri) + "' carries credentials (user:password@); they are not sent. "
                    + "Verify the webhook-signature header instead.");
        }
        if (uri.getRawFragment() != null) {
            throw new RefusedUrl("url '" + url + "' has a fragment (#...), which is never sent to a server; remove it.");
        }
        return uri;
    }

    /**
     * The addresses of the URL's host, looked up once; unless private URLs are allowed, each one
     * checked. A delivery connects to one of these and to nothing else: looking the name up again
     * could give another answer.
     *
     * @throws RefusedUrl when the host does not resolve or, unless private URLs are allowed, any of
     *     its addresses is refused
     */
    public List<InetAddress> resolve(URI uri) {
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new RefusedUrl("url host '" + host + "' does not resolve to any address; check the host name.");
        }
        if (addresses == null || addresses.length == 0) {
            throw new RefusedUrl("url host '" + host + "' does not resolve to any address; check the host name.");
        }
        if (!allowPrivate) {
            for (InetAddress address : addresses) {
                String why;
                try {
                    why = refusal(address);
                } catch (IllegalStateException e) {
                    throw new RefusedUrl("url host '" + host + "' could not be checked: " + e.getMessage()
                            + ". Try again later.");
                }
                if (why != null) {
                    boolean literal = host.contains(":") || host.matches("[0-9.]+");
                    throw new RefusedUrl("url host '" + host + "'"
                            + (literal ? " is " : " resolves to " + address.getHostAddress() + ", which is ") + why
                            + ". Webhook URLs must reach public addresses only.");
                }
            }
        }
        return List.of(addresses);
    }

    /** Why no webhook may go to the address, or null when one may. */
    String refusal(InetAddress address) {
        if (!address.isLoopbackAddress() && !address.isAnyLocalAddress()) {
            String nic = thisHost.interfaceOf(address);
            if (nic != null) {
                return "an address of this host (network interface " + nic + "), where the platform's internal "
                        + "services listen";
            }
        }
        if (address instanceof Inet6Address v6) {
            SpecialAddresses.Embedded embedded = SpecialAddresses.embeddedIpv4(v6);
            if (embedded != null) {
                String why = refusal(embedded.ipv4());
                return why == null ? null
                        : "the " + embedded.form() + " IPv6 form of " + embedded.ipv4().getHostAddress() + ", " + why;
            }
        }
        return SpecialAddresses.why(address);
    }

    private static String redact(URI uri) {
        return uri.getScheme() + "://****@" + uri.getRawAuthority().substring(uri.getRawAuthority().indexOf('@') + 1)
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
