package dev.loraforge.jobapi.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;

/**
 * Keeps webhook deliveries off the platform's own network (server-side request forgery): an
 * endpoint URL is {@code http} or {@code https} with a host, and, unless private URLs are allowed,
 * every address its host resolves to must be public. Checked when the endpoint is created and
 * again before every attempt, since DNS answers change.
 *
 * <p>Refused: unspecified (0.0.0.0/8, ::), loopback (127/8, ::1), private (10/8, 172.16/12,
 * 192.168/16), link-local (169.254/16 with the cloud metadata address 169.254.169.254, fe80::/10),
 * unique-local IPv6 (fc00::/7, with fd00:ec2::254), multicast, shared address space 100.64/10
 * (with the metadata address 100.100.100.200), 192.0.0.0/24 (with 192.0.0.192), benchmarking
 * 198.18/15 and reserved 240/4 with the broadcast address; IPv6 forms that embed an IPv4 address
 * (IPv4-mapped, -compatible, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by that address.
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

    public UrlGuard(boolean allowPrivate) {
        this(allowPrivate, InetAddress::getAllByName);
    }

    public UrlGuard(boolean allowPrivate, Resolver resolver) {
        this.allowPrivate = allowPrivate;
        this.resolver = resolver;
    }

    /**
     * The URL's form and, unless private URLs are allowed, its addresses.
     *
     * @throws RefusedUrl with a message naming the problem
     */
    public URI check(String url) {
        URI uri = parse(url);
        checkAddresses(uri);
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
     * Resolves the host and refuses it if any of its addresses is not public (a no-op when private
     * URLs are allowed).
     */
    public void checkAddresses(URI uri) {
        if (allowPrivate) {
            return;
        }
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
        for (InetAddress address : addresses) {
            String why = nonPublic(address);
            if (why != null) {
                boolean literal = host.contains(":") || host.matches("[0-9.]+");
                throw new RefusedUrl("url host '" + host + "'"
                        + (literal ? " is " : " resolves to " + address.getHostAddress() + ", which is ") + why
                        + ". Webhook URLs must reach public addresses only.");
            }
        }
    }

    /** Why the address is not public, or null when it is. */
    static String nonPublic(InetAddress address) {
        if (address.isAnyLocalAddress()) {
            return "the unspecified address";
        }
        if (address.isLoopbackAddress()) {
            return "a loopback address";
        }
        if (address.isLinkLocalAddress()) {
            return "a link-local address (cloud metadata services live there)";
        }
        if (address.isSiteLocalAddress()) {
            return "a private address";
        }
        if (address.isMulticastAddress()) {
            return "a multicast address";
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int a0 = b[0] & 0xff;
            int a1 = b[1] & 0xff;
            int a2 = b[2] & 0xff;
            if (a0 == 0) {
                return "in 0.0.0.0/8 (this network)";
            }
            if (a0 == 100 && (a1 & 0xc0) == 64) {
                return "in the shared address space 100.64.0.0/10 (carrier-grade NAT, cloud metadata)";
            }
            if (a0 == 192 && a1 == 0 && a2 == 0) {
                return "in 192.0.0.0/24 (protocol assignments, cloud metadata)";
            }
            if (a0 == 198 && (a1 & 0xfe) == 18) {
                return "in 198.18.0.0/15 (benchmarking networks)";
            }
            if (a0 >= 240) {
                return "a reserved or broadcast address (240.0.0.0/4)";
            }
            return null;
        }
        if (address instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return "a unique-local IPv6 address (fc00::/7)";
            }
            if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
                return "a site-local IPv6 address (fec0::/10)";
            }
            InetAddress embedded = embeddedIpv4(b);
            if (embedded != null) {
                String why = nonPublic(embedded);
                return why == null ? null : "an IPv6 form of " + embedded.getHostAddress() + ", " + why;
            }
        }
        return null;
    }

    /** The IPv4 address inside an IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address. */
    private static InetAddress embeddedIpv4(byte[] b) {
        try {
            boolean zeros96 = Arrays.equals(Arrays.copyOfRange(b, 0, 12), new byte[12]);
            boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
                    && Arrays.equals(Arrays.copyOfRange(b, 4, 12), new byte[8]);
            if (zeros96 || nat64) {
                return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
            }
            if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
                return InetAddress.getByAddress(Arrays.copyOfRange(b, 2, 6));
            }
            return null;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }

    private static String redact(URI uri) {
        return uri.getScheme() + "://****@" + uri.getRawAuthority().substring(uri.getRawAuthority().indexOf('@') + 1)
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
