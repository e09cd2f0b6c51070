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
    /** A message or prompt containing it is refused as a full serving batch is: 429 {@code overloaded}. */
    public static final String OVERLOADED = "BATCH FULL";
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
                server.createContext("/internal/v1/dataset-stats", FakeInferenceService::datasetStats);
                server.createContext(dev.loraforge.contracts.inference.ModelExport.PATH + "/", FakeInferenceService::export);
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

    /** The last export request: its path and query, and its tenant header. */
    public static volatile String lastExport;
    public static volatile String lastExportTenant;

    /**
     * The bytes the stand-in "exports" for a format and adapter: {@code format|adapter digest|} repeated to 5,000
     * bytes, so that ranges can be checked. A fine-tuned model named with {@code prefix} is refused as a real prefix
     * adapter is (422 {@code adapter_not_mergeable}).
     */
    public static byte[] exported(String format, String adapterDigest) {
        byte[] unit = (format + "|" + adapterDigest + "|").getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[5000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = unit[i % unit.length];
        }
        return bytes;
    }

    private static void export(HttpExchange ex) throws IOException {
        try (ex) {
            String format = ex.getRequestURI().getPath().substring((dev.loraforge.contracts.inference.ModelExport.PATH + "/").length());
            Map<String, String> query = new java.util.HashMap<>();
            for (String pair : ex.getRequestURI().getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                query.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
            lastExport = format + "?" + new java.util.TreeMap<>(query);
            lastExportTenant = ex.getRequestHeaders().getFirst("X-Tenant-Id");
            if (query.getOrDefault("name", "").contains("prefix")) {
                reply(ex, 422, "application/problem+json", JSON.createObjectNode().put("status", 422)
                        .put("code", "adapter_not_mergeable").put("param", "format")
                        .put("detail", "adapter is a PREFIX_TUNING adapter: it has no weights to fold into the base")
                        .toString());
                return;
            }
            sendRanged(ex, exported(format, query.get("adapter_digest")), "application/octet-stream");
        }
    }

    /** Answers {@code bytes}, or the one range the request asks for, as the real services do ({@link dev.loraforge.contracts.ByteRange}). */
    public static void sendRanged(HttpExchange ex, byte[] bytes, String type) throws IOException {
        dev.loraforge.contracts.ByteRange range;
        try {
            range = dev.loraforge.contracts.ByteRange.parse(ex.getRequestHeaders().getFirst("Range"), bytes.length)
                    .orElse(null);
        } catch (dev.loraforge.contracts.ByteRange.Unsatisfiable e) {
            ex.getResponseHeaders().set("Content-Range", e.contentRange());
            reply(ex, 416, "application/problem+json", JSON.createObjectNode().put("status", 416)
                    .put("code", "range_not_satisfiable").put("detail", e.getMessage()).toString());
            return;
        }
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        int from = range == null ? 0 : (int) range.first();
        int length = range == null ? bytes.length : (int) range.length();
        if (range != null) {
            ex.getResponseHeaders().set("Content-Range", range.contentRange());
        }
        ex.sendResponseHeaders(range == null ? 200 : 206, length == 0 ? -1 : length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes, from, length);
        }
    }

    /** The last dataset-stats request. */
    public static volatile JsonNode lastStatsRequest;

    /**
     * A stand-in tokenizer for dry runs: each line of the dataset blob (read from {@link StandInArtifactStore}) is 10
     * tokens of which 4 are trained, except that a line holding {@code LONG} is 10,000 tokens (cut at seq_len) and one
     * holding {@code NOTHING} has no trained token within seq_len (dropped).
     */
    private static void datasetStats(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode request = JSON.readTree(ex.getRequestBody());
            lastStatsRequest = request;
            List<String> violations = ContractSamples.shapeDifferences(
                    ContractSamples.json(ContractSamples.DATASET_STATS_REQUEST), request);
            if (!violations.isEmpty()) {
                reply(ex, 500, "application/problem+json", JSON.createObjectNode().put("status", 500)
                        .put("code", "contract_violation").put("detail", violations.toString()).toString());
                return;
            }
            int seqLen = request.path("seq_len").asInt();
            ObjectNode answer = JSON.createObjectNode();
            answer.set("training", part(request.path("training_digest").asText(), seqLen));
            answer.set("validation", request.hasNonNull("validation_digest")
                    ? part(request.path("validation_digest").asText(), seqLen) : null);
            reply(ex, 200, "application/json", checked(ContractSamples.DATASET_STATS, answer).toString());
        }
    }

    private static ObjectNode part(String digest, int seqLen) throws IOException {
        String[] lines = new String(StandInArtifactStore.STORE.blobBytes(digest), StandardCharsets.UTF_8).strip().split("\n");
        int examples = 0;
        int truncated = 0;
        int dropped = 0;
        int longest = 0;
        long tokens = 0;
        long targets = 0;
        for (String line : lines) {
            int length = line.contains("LONG") ? 10_000 : 10;
            longest = Math.max(longest, length);
            truncated += length > seqLen ? 1 : 0;
            if (line.contains("NOTHING")) {
                dropped++;
                continue;
            }
            examples++;
            tokens += Math.min(length, seqLen);
            targets += 4;
        }
        return JSON.createObjectNode().put("lines", lines.length).put("examples", examples).put("tokens", tokens)
                .put("target_tokens", targets).put("truncated", truncated).put("dropped", dropped).put("longest", longest);
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
            if (request.toString().contains(OVERLOADED)) {
                ObjectNode problem = JSON.createObjectNode().put("type", "urn:loraforge:problem:overloaded")
                        .put("title", "Too Many Requests").put("status", 429).put("instance", "/internal/v1/generate")
                        .put("code", "overloaded").putNull("param")
                        .put("detail", "64 requests are waiting for this model (at most 64); retry shortly");
                ex.getResponseHeaders().add("Retry-After", "1");
                reply(ex, 429, "application/problem+json", checked(ContractSamples.INFERENCE_PROBLEM, problem).toString());
                return;
            }
            int n = request.path("n").asInt(1);
            Integer top = request.hasNonNull("logprobs") ? request.path("logprobs").asInt() : null;
            if (!request.path("stream").asBoolean()) {
                ObjectNode answer = JSON.createObjectNode();
                var choices = answer.putArray("choices");
                for (int i = 0; i < n; i++) {
                    ObjectNode choice = choices.addObject().put("index", i).put("text", text()).put("finish_reason", "stop")
                            .put("completion_tokens", PIECES.length);
                    if (top != null) {
                        var entries = choice.putArray("logprobs");
                        for (int k = 0; k < PIECES.length; k++) {
                            entries.add(logprob(k, top));
                        }
                    }
                }
                answer.put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", n * PIECES.length);
                reply(ex, 200, "application/json", checked(ContractSamples.GENERATION, answer).toString());
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (int k = 0; k < PIECES.length; k++) {
                    for (int i = 0; i < n; i++) { // the choices' events interleaved, as the batch makes them
                        ObjectNode delta = JSON.createObjectNode().put("type", "delta").put("index", i).put("text", PIECES[k]);
                        if (top != null) {
                            delta.putArray("logprobs").add(logprob(k, top));
                        }
                        event(out, checked(ContractSamples.EVENT_DELTA, delta));
                    }
                }
                for (int i = n - 1; i >= 0; i--) {
                    event(out, checked(ContractSamples.EVENT_DONE, JSON.createObjectNode().put("type", "done").put("index", i)
                            .put("finish_reason", "length").put("prompt_tokens", PROMPT_TOKENS)
                            .put("completion_tokens", PIECES.length)));
                }
            }
        }
    }

    /**
     * The stand-in's log-probabilities of piece {@code k} (one token per piece): {@link #logprobOf}, and {@code top}
     * alternatives, the piece itself first, then {@code alt1}, {@code alt2}... each 1 lower.
     */
    private static ObjectNode logprob(int k, int top) {
        ObjectNode entry = JSON.createObjectNode().put("token", PIECES[k]).put("logprob", logprobOf(k));
        var bytes = entry.putArray("bytes");
        for (byte b : PIECES[k].getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xFF);
        }
        var alternatives = entry.putArray("top_logprobs");
        for (int j = 0; j < top; j++) {
            String token = j == 0 ? PIECES[k] : "alt" + j;
            ObjectNode alt = alternatives.addObject().put("token", token).put("logprob", logprobOf(k) - j);
            var altBytes = alt.putArray("bytes");
            for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
                altBytes.add(b & 0xFF);
            }
        }
        return entry;
    }

    /** The log-probability the stand-in gives piece {@code k}. */
    public static double logprobOf(int k) {
        return -0.25 * (k + 1);
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
