package dev.loraforge.systemtests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The services' way to PostgreSQL in the system tests: a TCP relay on a loopback port in front of the server, so a
 * test can take the database away from every service at once and give it back, as a server restart does to its
 * clients. {@link #goDown()} closes every open connection in both directions mid-statement (the server rolls back
 * what was in flight, as its fast shutdown does) and refuses new ones until {@link #comeBack()}; the server and the
 * data are the same afterwards, as after a restart. Unlike a restart of the machine's server it disturbs nothing else
 * using that server and needs no rights over it.
 */
final class DatabaseLink implements AutoCloseable {

    private final ServerSocket listener;
    private final String upstreamHost;
    private final int upstreamPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean down;
    private volatile boolean closed;

    private DatabaseLink(String upstreamHost, int upstreamPort) throws IOException {
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread accept = new Thread(this::acceptLoop, "db-link-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** A relay to {@code server} ({@code host:port}). */
    static DatabaseLink to(String server) throws IOException {
        int colon = server.lastIndexOf(':');
        return new DatabaseLink(server.substring(0, colon), Integer.parseInt(server.substring(colon + 1)));
    }

    /** {@code host:port} the services connect to. */
    String address() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Every connection cut now; new ones refused until {@link #comeBack()}. */
    void goDown() {
        down = true;
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    void comeBack() {
        down = false;
    }

    /** Connections relayed right now (two sockets each). */
    int connections() {
        return open.size() / 2;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (down) {
                closeQuietly(client); // as a server that is not there: the connection ends at once
                continue;
            }
            Socket server;
            try {
                server = new Socket(upstreamHost, upstreamPort);
            } catch (IOException e) {
                closeQuietly(client);
                continue;
            }
            open.add(client);
            open.add(server);
            pump(client, server);
            pump(server, client);
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buffer = new byte[16 * 1024];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // cut: the other direction ends too
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, "db-link-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        goDown();
        try {
            listener.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
