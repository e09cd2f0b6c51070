package dev.loraforge.jobapi.webhooks;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The addresses assigned to this host's network interfaces (all of them, up or down, IPv4 and
 * IPv6, aliases included), each with its interface's name. The platform's internal services listen
 * on every interface, so a webhook to any of these would reach them. Read again when the last
 * reading is older than {@link #MAX_AGE_NANOS}, so an address added at run time (DHCP, a new
 * container network) is known within seconds.
 *
 * <p>Not covered: an address that reaches this host without being assigned to it (a cloud's 1:1
 * NAT public address, a load balancer or port forward in front of it). Those are ordinary public
 * addresses to every check made here.
 */
final class HostAddresses {

    /** Reads the addresses; throws when the interfaces cannot be listed. */
    @FunctionalInterface
    interface Reader {
        Map<InetAddress, String> read() throws SocketException;
    }

    static final long MAX_AGE_NANOS = 5_000_000_000L;

    private record Reading(Map<InetAddress, String> byAddress, long readAtNanos) {
    }

    private final Reader reader;
    private final LongSupplier nanoTime;
    private volatile Reading last;

    /** This host's interfaces. */
    HostAddresses() {
        this(HostAddresses::readInterfaces, System::nanoTime);
    }

    HostAddresses(Reader reader, LongSupplier nanoTime) {
        this.reader = reader;
        this.nanoTime = nanoTime;
    }

    /** A fixed set, for tests: address to interface name. */
    static HostAddresses of(Map<InetAddress, String> byAddress) {
        return new HostAddresses(() -> byAddress, System::nanoTime);
    }

    /**
     * The name of this host's interface that has the address (its scope and host name ignored), or
     * null when none has it.
     *
     * @throws IllegalStateException when the interfaces cannot be listed and never could be
     */
    String interfaceOf(InetAddress address) {
        return current().get(unscoped(address));
    }

    private Map<InetAddress, String> current() {
        Reading reading = last;
        long now = nanoTime.getAsLong();
        if (reading != null && now - reading.readAtNanos() < MAX_AGE_NANOS) {
            return reading.byAddress();
        }
        try {
            Map<InetAddress, String> byAddress = new HashMap<>();
            reader.read().forEach((address, name) -> byAddress.putIfAbsent(unscoped(address), name));
            last = new Reading(Map.copyOf(byAddress), now);
            return last.byAddress();
        } catch (SocketException e) {
            if (reading != null) {
                return reading.byAddress(); // the interfaces rarely change; the last reading is the best guess
            }
            throw new IllegalStateException("this host's network interfaces could not be listed ("
                    + e.getMessage() + ")", e);
        }
    }

    /** Interfaces in the order the system lists them, each followed by its aliases; the first name of an address wins. */
    private static Map<InetAddress, String> readInterfaces() throws SocketException {
        Map<InetAddress, String> byAddress = new LinkedHashMap<>();
        var interfaces = NetworkInterface.getNetworkInterfaces();
        while (interfaces != null && interfaces.hasMoreElements()) {
            add(interfaces.nextElement(), byAddress);
        }
        return byAddress;
    }

    private static void add(NetworkInterface nic, Map<InetAddress, String> byAddress) {
        nic.inetAddresses().forEach(address -> byAddress.putIfAbsent(unscoped(address), nic.getName()));
        nic.subInterfaces().forEach(alias -> add(alias, byAddress));
    }

    /** The same address without scope id or host name; an IPv4-mapped IPv6 address becomes IPv4. */
    private static InetAddress unscoped(InetAddress address) {
        try {
            return InetAddress.getByAddress(address.getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes are always an address
        }
    }
}
