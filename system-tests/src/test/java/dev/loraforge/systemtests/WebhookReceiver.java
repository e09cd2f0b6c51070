package dev.loraforge.systemtests;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A tenant's webhook endpoint on loopback that keeps every delivery it receives. */
final class WebhookReceiver implements AutoCloseable {

    /** One delivery: the headers that matter and the raw body. */
    record Delivery(String id, String timestamp, String signature, String body, String traceparent) {
    }

    final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    WebhookReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/hooks", ex -> {
            try (ex) {
                Map<String, List<String>> h = ex.getRequestHeaders();
                deliveries.add(new Delivery(h.getOrDefault("webhook-id", List.of("")).get(0),
                        h.getOrDefault("webhook-timestamp", List.of("")).get(0),
                        h.getOrDefault("webhook-signature", List.of("")).get(0),
                        new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                        h.getOrDefault("traceparent", java.util.Collections.singletonList(null)).get(0)));
                ex.sendResponseHeaders(204, -1);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";
    }

    List<Delivery> about(String jobId) {
        return deliveries.stream().filter(d -> d.body().contains(jobId)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
