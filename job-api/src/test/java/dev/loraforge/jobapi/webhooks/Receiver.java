package dev.loraforge.jobapi.webhooks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A real webhook receiver on 127.0.0.1 for tests: records every request (headers, raw body, when)
 * by path and answers the statuses scripted for that path, then 200.
 */
final class Receiver implements AutoCloseable {

    /** One request as received. */
    record Received(String path, Map<String, String> headers, byte[] body, long receivedNanos) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** A scripted answer: status, extra header (or null), delay before answering. */
    record Answer(int status, String header, String value, long delayMs) {
        static Answer status(int status) {
            return new Answer(status, null, null, 0);
        }
    }

    private final HttpServer server;
    private final List<Received> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<Answer>> scripts = new ConcurrentHashMap<>();

    private Receiver(HttpServer server) {
        this.server = server;
    }

    static Receiver start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        Receiver receiver = new Receiver(server);
        server.createContext("/", receiver::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        return receiver;
    }

    /** A fresh path on this receiver. */
    String newUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook-" + UUID.randomUUID();
    }

    void script(String url, Answer... answers) {
        scripts.computeIfAbsent(pathOf(url), p -> new ArrayDeque<>()).addAll(List.of(answers));
    }

    List<Received> at(String url) {
        String path = pathOf(url);
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    private static String pathOf(String url) {
        return java.net.URI.create(url).getPath();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, String> headers = new ConcurrentHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            String path = ex.getRequestURI().getPath();
            requests.add(new Received(path, headers, body, System.nanoTime()));
            Deque<Answer> script = scripts.get(path);
            Answer answer;
            synchronized (this) {
                answer = script == null || script.isEmpty() ? Answer.status(200) : script.poll();
            }
            if (answer.delayMs() > 0) {
                try {
                    Thread.sleep(answer.delayMs());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (answer.header() != null) {
                ex.getResponseHeaders().add(answer.header(), answer.value());
            }
            byte[] reply = "ok".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(answer.status(), reply.length);
            ex.getResponseBody().write(reply);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
