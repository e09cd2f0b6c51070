package dev.loraforge.jobapi.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.loraforge.contracts.ContractSamples;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * A stand-in for inference-service in job-api's tests (the real one is tested in its own module and
 * in the system tests): {@code POST /internal/v1/generate} answering a fixed text made from the
 * request, whole or as Server-Sent Events in three pieces, and remembering the last request. A
 * message or prompt containing {@value #TOO_LONG} is refused as inference-service refuses a prompt
 * beyond the context; while {@link #down} is set, connections are dropped without an answer.
 */
public class FakeInferenceService implements QuarkusTestResourceLifecycleManager {

    public static final String TOO_LONG = "TOO LONG";
    public static final String[] PIECES = {"Arr, ", "the sea ", "be calm."};
    public static final int PROMPT_TOKENS = 11;

    /** The last request received. */
    public static volatile JsonNode lastRequest;
    public static volatile boolean down;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpServer server;

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                server.createContext("/internal/v1/generate", FakeInferenceService::handle);
                server.setExecutor(Executors.newFixedThreadPool(4));
                server.start();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return Map.of("jobapi.inference-url", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        // shared by the test classes of this JVM
    }

    /** The whole text the fake generates. */
    public static String text() {
        return String.join("", PIECES);
    }

    private static void handle(HttpExchange ex) throws IOException {
        if (down) {
            ex.close(); // no status line: the caller sees a broken connection
            return;
        }
        try (ex) {
            JsonNode request = JSON.readTree(ex.getRequestBody());
            lastRequest = request;
            List<String> violations = ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.GENERATE_REQUEST),
                    request);
            if (!violations.isEmpty()) { // loud: a contract violation must fail the test, not look like a refusal
                reply(ex, 500, "application/problem+json", JSON.createObjectNode().put("status", 500)
                        .put("code", "contract_violation").put("detail", "not the shape of the contract's "
                                + ContractSamples.GENERATE_REQUEST + ": " + violations).toString());
                return;
            }
            if (request.toString().contains(TOO_LONG)) {
                ObjectNode problem = JSON.createObjectNode().put("type", "urn:loraforge:problem:context-length-exceeded")
                        .put("title", "Bad Request").put("status", 400).put("instance", "/internal/v1/generate")
                        .put("code", "context_length_exceeded")
                        .put("param", request.hasNonNull("messages") ? "messages" : "prompt")
                        .put("detail", "the prompt is 9000 tokens; this model's context is 512 tokens");
                reply(ex, 400, "application/problem+json", checked(ContractSamples.INFERENCE_PROBLEM, problem).toString());
                return;
            }
            if (!request.path("stream").asBoolean()) {
                ObjectNode answer = JSON.createObjectNode().put("text", text()).put("finish_reason", "stop")
                        .put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", PIECES.length);
                reply(ex, 200, "application/json", checked(ContractSamples.GENERATION, answer).toString());
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (String piece : PIECES) {
                    event(out, checked(ContractSamples.EVENT_DELTA, JSON.createObjectNode().put("type", "delta").put("text", piece)));
                }
                event(out, checked(ContractSamples.EVENT_DONE, JSON.createObjectNode().put("type", "done")
                        .put("finish_reason", "length").put("prompt_tokens", PROMPT_TOKENS)
                        .put("completion_tokens", PIECES.length)));
            }
        }
    }

    /** {@code answer}, checked to have the shape of the contract's sample (inference-service's provider test checks the same). */
    private static ObjectNode checked(String sample, ObjectNode answer) {
        List<String> differences = ContractSamples.shapeDifferences(ContractSamples.json(sample), answer);
        if (!differences.isEmpty()) {
            throw new IllegalStateException("the fake's answer is not the shape of " + sample + ": " + differences);
        }
        return answer;
    }

    private static void event(OutputStream out, ObjectNode event) throws IOException {
        out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
