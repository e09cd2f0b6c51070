package dev.loraforge.jobapi.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * The address blocks no webhook goes to, after IANA's IPv4 and IPv6 special-purpose address
 * registries (RFC 6890 and its updates): every block that is not globally reachable, or that names
 * documentation, benchmarking or retired networks; and for IPv6, everything outside global unicast
 * 2000::/3 (unassigned or reserved by the IETF). IPv6 forms that carry an IPv4 address are not
 * judged here: {@link #embeddedIpv4} finds that address, to be judged in its place.
 */
final class SpecialAddresses {

    /** An address block (CIDR) and why no webhook goes there. */
    private record Block(byte[] prefix, int bits, String why) {

        static Block of(String cidr, String why) {
            int slash = cidr.indexOf('/');
            try {
                // literal addresses only: no lookup
                byte[] prefix = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
                return new Block(prefix, Integer.parseInt(cidr.substring(slash + 1)), why);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(cidr, e);
            }
        }

        boolean contains(byte[] address) {
            if (address.length != prefix.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[whole] & mask) == (prefix[whole] & mask);
        }
    }

    private static final String PRIVATE = "a private address";
    private static final String LINK_LOCAL = "a link-local address (cloud metadata services live there)";
    private static final String DOCUMENTATION = "reserved for documentation, where no real receiver lives";

    /** First match wins: the specific block before the one around it. */
    private static final List<Block> IPV4 = List.of(
            Block.of("0.0.0.0/32", "the unspecified address"),
            Block.of("0.0.0.0/8", "in 0.0.0.0/8 (this network)"),
            Block.of("127.0.0.0/8", "a loopback address"),
            Block.of("10.0.0.0/8", PRIVATE),
            Block.of("172.16.0.0/12", PRIVATE),
            Block.of("192.168.0.0/16", PRIVATE),
            Block.of("169.254.0.0/16", LINK_LOCAL),
            Block.of("100.64.0.0/10", "in the shared address space 100.64.0.0/10 (carrier-grade NAT, cloud metadata)"),
            Block.of("192.0.0.0/24", "in 192.0.0.0/24 (protocol assignments, cloud metadata)"),
            Block.of("192.0.2.0/24", "in 192.0.2.0/24 (TEST-NET-1, " + DOCUMENTATION + ")"),
            Block.of("198.51.100.0/24", "in 198.51.100.0/24 (TEST-NET-2, " + DOCUMENTATION + ")"),
            Block.of("203.0.113.0/24", "in 203.0.113.0/24 (TEST-NET-3, " + DOCUMENTATION + ")"),
            Block.of("198.18.0.0/15", "in 198.18.0.0/15 (benchmarking networks)"),
            Block.of("192.88.99.0/24", "in 192.88.99.0/24 (the retired 6to4 relay anycast)"),
            Block.of("224.0.0.0/4", "a multicast address"),
            Block.of("255.255.255.255/32", "the broadcast address"),
            Block.of("240.0.0.0/4", "in 240.0.0.0/4 (reserved)"));

    /** Checked after the IPv4-carrying forms: 2001::/32 (Teredo) and ::/96 lie inside blocks below. */
    private static final List<Block> IPV6 = List.of(
            Block.of("::/128", "the unspecified address"),
            Block.of("::1/128", "a loopback address"),
            Block.of("fe80::/10", LINK_LOCAL),
            Block.of("fec0::/10", "a site-local IPv6 address (fec0::/10)"),
            Block.of("fc00::/7", "a unique-local IPv6 address (fc00::/7)"),
            Block.of("ff00::/8", "a multicast address"),
            Block.of("64:ff9b:1::/48", "in 64:ff9b:1::/48 (local-use IPv4/IPv6 translation)"),
            Block.of("100::/64", "in 100::/64 (discard-only)"),
            Block.of("2001:2::/48", "in 2001:2::/48 (benchmarking networks)"),
            Block.of("2001:db8::/32", "in 2001:db8::/32 (" + DOCUMENTATION + ")"),
            Block.of("3fff::/20", "in 3fff::/20 (" + DOCUMENTATION + ")"),
            Block.of("2001::/23", "in 2001::/23 (IETF protocol assignments: anycast services, identifiers, tunnels)"),
            Block.of("5f00::/16", "in 5f00::/16 (segment-routing identifiers)"));

    private static final Block GLOBAL_UNICAST = Block.of("2000::/3", "");

    private SpecialAddresses() {
    }

    /**
     * Why no webhook goes to the address, or null when it is an ordinary public one. For an IPv6
     * address that carries an IPv4 address ({@link #embeddedIpv4}), ask about that one instead.
     */
    static String why(InetAddress address) {
        byte[] b = address.getAddress();
        for (Block block : address instanceof Inet4Address ? IPV4 : IPV6) {
            if (block.contains(b)) {
                return block.why();
            }
        }
        if (address instanceof Inet6Address && !GLOBAL_UNICAST.contains(b)) {
            return "outside the IPv6 global unicast space 2000::/3 (unassigned or reserved)";
        }
        return null;
    }

    /** An IPv4 address carried in an IPv6 one, and the form that carries it. */
    record Embedded(Inet4Address ipv4, String form) {
    }

    /**
     * The IPv4 address inside an IPv4-mapped (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96),
     * IPv4-compatible (::/96 but :: and ::1), NAT64 (64:ff9b::/96), 6to4 (2002::/16) or Teredo
     * (2001::/32, the client's address, stored inverted) address; null for any other.
     */
    static Embedded embeddedIpv4(Inet6Address address) {
        byte[] b = address.getAddress();
        if (zeros(b, 0, 10) && ones(b, 10, 12)) {
            return new Embedded(ipv4(b, 12, false), "IPv4-mapped");
        }
        if (zeros(b, 0, 8) && ones(b, 8, 10) && zeros(b, 10, 12)) {
            return new Embedded(ipv4(b, 12, false), "IPv4-translated");
        }
        if (zeros(b, 0, 12) && !(zeros(b, 12, 15) && (b[15] & 0xfe) == 0)) {
            return new Embedded(ipv4(b, 12, false), "IPv4-compatible");
        }
        if (b[0] == 0x00 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && zeros(b, 4, 12)) {
            return new Embedded(ipv4(b, 12, false), "NAT64");
        }
        if (b[0] == 0x20 && b[1] == 0x02) {
            return new Embedded(ipv4(b, 2, false), "6to4");
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) {
            return new Embedded(ipv4(b, 12, true), "Teredo");
        }
        return null;
    }

    private static boolean zeros(byte[] b, int from, int to) {
        return Arrays.equals(b, from, to, new byte[to - from], 0, to - from);
    }

    private static boolean ones(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != (byte) 0xff) {
                return false;
            }
        }
        return true;
    }

    private static Inet4Address ipv4(byte[] b, int from, boolean inverted) {
        byte[] v4 = Arrays.copyOfRange(b, from, from + 4);
        if (inverted) {
            for (int i = 0; i < 4; i++) {
                v4[i] = (byte) ~v4[i];
            }
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(v4);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always an address
        }
    }
}
