package dev.loraforge.trainer.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.loraforge.contracts.ContractSamples;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A stand-in for artifact-store in the trainer's service tests (Kafka and PostgreSQL stay real;
 * the system tests run the real artifact-store). It serves exactly what the trainer's
 * {@code ArtifactStoreClient} calls, with artifact-store's contract: {@code GET /api/v1/blobs/{digest}},
 * {@code PUT /api/v1/blobs} (sha256-addressed, {@code X-Content-Digest} checked) and
 * {@code POST /api/v1/artifacts} (client-chosen ids idempotent, and the registry's main rules for
 * checkpoints and adapters: tenant, job, known parents, one {@code base_model}, a {@code trained_on}
 * dataset, {@code metadata.step}, numeric metrics). Blobs live in a temp folder; registrations are
 * kept for the tests to inspect. Also sets the trainer's scratch directory to a fresh temp folder
 * and reports every training step.
 */
public class StandInArtifactStore implements QuarkusTestResourceLifecycleManager {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Map<String, String> ID_PREFIX = Map.of("base_model", "model", "dataset", "dataset",
            "quantized_model", "qmodel", "checkpoint", "ckpt", "adapter", "adapter");
    private static final Set<String> TENANT_OWNED = Set.of("dataset", "checkpoint", "adapter");
    private static final Set<String> TRAINED_KINDS = Set.of("checkpoint", "adapter");

    /** Registered artifacts by id, as the store answers them. */
    private static final Map<String, ObjectNode> ARTIFACTS = new ConcurrentHashMap<>();
    /** How many times each artifact id was posted (a retried registration counts again). */
    private static final Map<String, AtomicInteger> POSTS = new ConcurrentHashMap<>();
    private static final AtomicInteger IDS = new AtomicInteger();
    private static HttpServer server;
    private static Path blobs;
    private static Path workDir;

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            try {
                blobs = Files.createTempDirectory("stand-in-artifact-store");
                workDir = Files.createTempDirectory("trainer-work");
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                server.createContext("/api/v1/", StandInArtifactStore::handle);
                server.setExecutor(Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "stand-in-artifact-store");
                    t.setDaemon(true);
                    return t;
                }));
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Map.of(
                "trainer.artifact-store-url", url(),
                "trainer.work-dir", workDir.toString(),
                "trainer.progress-interval", "0s",
                "trainer.heartbeat-interval", "1s");
    }

    @Override
    public void stop() {
        // shared by the test classes of this JVM (they share one application)
    }

    public static String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    // ------------------------------------------------------------------ for the tests

    /** Stores a file as a blob (as {@code PUT /api/v1/blobs} would) and returns its digest. */
    public static String putBlob(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return store(in, null).digest;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Registers an artifact the trainer reads (a base model or a dataset) and returns its id. */
    public static String registerInput(String kind, String name, String digest, String tenantId) {
        ObjectNode body = JSON.createObjectNode().put("kind", kind).put("name", name).put("digest", digest);
        if (tenantId != null) {
            body.put("tenant_id", tenantId);
        }
        Answer a = register(body, tenantId);
        if (a.status >= 300) {
            throw new IllegalStateException("stand-in refused " + kind + " " + name + ": " + a.body);
        }
        return a.body.path("id").asText();
    }

    public static boolean hasBlob(String digest) {
        return DIGEST.matcher(digest).matches() && Files.isRegularFile(blobFile(digest));
    }

    /** Opens a stored blob. */
    public static InputStream openBlob(String digest) throws IOException {
        return Files.newInputStream(blobFile(digest));
    }

    /** A registered artifact, or null. */
    public static JsonNode artifact(String id) {
        ObjectNode a = ARTIFACTS.get(id);
        return a == null ? null : view(a);
    }

    /** The registered artifacts of a job and kind, oldest first. */
    public static List<JsonNode> artifacts(String jobId, String kind) {
        return ARTIFACTS.values().stream()
                .filter(a -> jobId.equals(a.path("job_id").asText()) && kind.equals(a.path("kind").asText()))
                .sorted((a, b) -> Integer.compare(a.path("seq").asInt(), b.path("seq").asInt()))
                .map(a -> (JsonNode) view(a)).toList();
    }

    /** How many times {@code id} was posted. */
    public static int posts(String id) {
        AtomicInteger n = POSTS.get(id);
        return n == null ? 0 : n.get();
    }

    // ------------------------------------------------------------------ HTTP

    private static void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals("/api/v1/blobs") && method.equals("PUT")) {
                handlePut(ex);
            } else if (path.startsWith("/api/v1/blobs/") && method.equals("GET")) {
                handleGet(ex, path.substring("/api/v1/blobs/".length()));
            } else if (path.equals("/api/v1/artifacts") && method.equals("POST")) {
                JsonNode body;
                try {
                    body = JSON.readTree(ex.getRequestBody());
                } catch (IOException e) {
                    problem(ex, 400, "invalid-request", "the body is not JSON: " + e.getMessage());
                    return;
                }
                if (!(body instanceof ObjectNode object)) {
                    problem(ex, 400, "invalid-request", "the body must be a JSON object");
                    return;
                }
                List<String> violations = ContractSamples.shapeDifferences(
                        ContractSamples.json(ContractSamples.NEW_ARTIFACT), object);
                if (!violations.isEmpty()) {
                    problem(ex, 400, "contract-violation", "not the shape of the contract's "
                            + ContractSamples.NEW_ARTIFACT + ": " + violations);
                    return;
                }
                Answer a = register(object, ex.getRequestHeaders().getFirst("X-Tenant-Id"));
                reply(ex, a.status, a.status < 300 ? answerOf(ContractSamples.ARTIFACT, a.body) : a.body);
            } else {
                problem(ex, 404, "not-found", "the stand-in has no " + method + " " + path);
            }
        } catch (RuntimeException e) {
            problem(ex, 500, "internal", e.toString());
        }
    }

    private static void handlePut(HttpExchange ex) throws IOException {
        String stated = ex.getRequestHeaders().getFirst("X-Content-Digest");
        if (stated != null && !DIGEST.matcher(stated).matches()) {
            problem(ex, 400, "invalid-digest", "X-Content-Digest header: '" + stated + "' is not sha256:<64 hex>");
            return;
        }
        Stored stored = store(ex.getRequestBody(), stated);
        if (stored == null) {
            problem(ex, 400, "digest-mismatch", "the body does not hash to " + stated);
            return;
        }
        reply(ex, stored.created ? 201 : 200, answerOf(ContractSamples.BLOB,
                JSON.createObjectNode().put("digest", stored.digest).put("size", stored.size)));
    }

    private static void handleGet(HttpExchange ex, String digest) throws IOException {
        if (!DIGEST.matcher(digest).matches()) {
            problem(ex, 400, "invalid-digest", "'" + digest + "' is not sha256:<64 lowercase hex>");
            return;
        }
        Path file = blobFile(digest);
        if (!Files.isRegularFile(file)) {
            problem(ex, 404, "not-found", "no blob " + digest + " is stored");
            return;
        }
        String tenant = ex.getRequestHeaders().getFirst("X-Tenant-Id");
        if (!readable(digest, tenant)) { // as artifact-store: a tenant reads its own artifacts' blobs and shared ones
            problem(ex, 404, "not-found", "no blob " + digest + " is readable by " + tenant);
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        ex.getResponseHeaders().set("ETag", "\"" + digest + "\"");
        ex.sendResponseHeaders(200, Files.size(file));
        try (OutputStream out = ex.getResponseBody()) {
            Files.copy(file, out);
        }
    }

    /** artifact-store's read scope: an artifact of {@code tenant} or a shared one stores the blob. */
    private static boolean readable(String digest, String tenant) {
        return ARTIFACTS.values().stream().anyMatch(a -> digest.equals(a.path("digest").asText())
                && (a.path("tenant_id").isNull() || a.path("tenant_id").isMissingNode()
                    || a.path("tenant_id").asText().equals(tenant)));
    }

    private record Stored(String digest, long size, boolean created) {
    }

    /** Stores a stream under its sha256; null (and nothing kept) when it does not hash to {@code expected}. */
    private static Stored store(InputStream body, String expected) throws IOException {
        Path tmp = Files.createTempFile(blobs, "upload", ".tmp");
        try {
            MessageDigest sha = sha256();
            long size;
            try (InputStream in = new DigestInputStream(body, sha)) {
                size = Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            String digest = "sha256:" + HexFormat.of().formatHex(sha.digest());
            if (expected != null && !expected.equals(digest)) {
                return null;
            }
            Path target = blobFile(digest);
            boolean created = !Files.exists(target);
            if (created) {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            return new Stored(digest, size, created);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private record Answer(int status, ObjectNode body) {
    }

    /** {@code POST /api/v1/artifacts}: the registry rules the trainer's registrations must pass. */
    private static synchronized Answer register(ObjectNode r, String headerTenant) {
        List<String> errors = new ArrayList<>();
        String kind = r.path("kind").asText("");
        if (!ID_PREFIX.containsKey(kind)) {
            errors.add("kind: '" + kind + "' is not a kind");
        }
        String name = r.path("name").asText("");
        if (name.isBlank() || name.length() > 200) {
            errors.add("name: must be 1-200 characters");
        }
        String id = r.hasNonNull("id") ? r.get("id").asText() : null;
        if (id != null && ID_PREFIX.containsKey(kind) && !id.matches(Pattern.quote(ID_PREFIX.get(kind)) + "-[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
            errors.add("id: '" + id + "' must be '" + ID_PREFIX.get(kind) + "-' followed by letters, digits, '.', '_' or '-'");
        }
        String digest = r.path("digest").asText("");
        if (!hasBlob(digest)) {
            errors.add("digest: no blob " + digest + " is stored");
        }
        String tenant = r.hasNonNull("tenant_id") ? r.get("tenant_id").asText() : null;
        if (headerTenant != null && tenant != null && !headerTenant.equals(tenant)) {
            errors.add("tenant_id: differs from the X-Tenant-Id header");
        }
        if (TENANT_OWNED.contains(kind) && tenant == null) {
            errors.add("tenant_id: is required for a " + kind);
        } else if (!TENANT_OWNED.contains(kind) && tenant != null) {
            errors.add("tenant_id: must be absent for a " + kind);
        }
        if (TRAINED_KINDS.contains(kind) && !r.hasNonNull("job_id")) {
            errors.add("job_id: is required for a " + kind);
        }
        JsonNode metadata = r.path("metadata");
        if (!metadata.isMissingNode() && !metadata.isNull() && !metadata.isObject()) {
            errors.add("metadata: must be an object");
        }
        if (kind.equals("checkpoint") && !(metadata.path("step").isIntegralNumber() && metadata.path("step").asLong() >= 0)) {
            errors.add("metadata.step: is required for a checkpoint, an integer >= 0");
        }
        metadata.path("metrics").fields().forEachRemaining(m -> {
            if (!m.getValue().isNumber()) {
                errors.add("metadata.metrics." + m.getKey() + ": must be a number, got " + m.getValue());
            }
        });
        if (metadata.has("seed") && !metadata.get("seed").isIntegralNumber()) {
            errors.add("metadata.seed: must be an integer");
        }
        checkParents(r.path("parents"), kind, tenant, errors);
        if (!errors.isEmpty()) {
            ObjectNode problem = problemBody("invalid-request", String.join("; ", errors));
            return new Answer(400, problem);
        }
        if (id != null) {
            POSTS.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            ObjectNode existing = ARTIFACTS.get(id);
            if (existing != null) {
                boolean same = existing.path("digest").asText().equals(digest) && existing.path("kind").asText().equals(kind);
                return same ? new Answer(200, view(existing)) : new Answer(409, problemBody("conflict",
                        "artifact " + id + " is registered with other content"));
            }
        } else {
            id = ID_PREFIX.get(kind) + "-" + IDS.incrementAndGet();
            POSTS.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        }
        ObjectNode a = JSON.createObjectNode();
        a.put("id", id).put("kind", kind).put("name", name).put("digest", digest).put("size", size(digest));
        a.put("tenant_id", tenant).put("job_id", r.hasNonNull("job_id") ? r.get("job_id").asText() : null);
        a.set("metadata", metadata.isObject() ? metadata.deepCopy() : JSON.createObjectNode());
        a.set("parents", r.path("parents").isArray() ? r.get("parents").deepCopy() : JSON.createArrayNode());
        a.put("created_at", OffsetDateTime.now(ZoneOffset.UTC).toString());
        a.put("seq", IDS.incrementAndGet());
        ARTIFACTS.put(id, a);
        return new Answer(201, view(a));
    }

    private static void checkParents(JsonNode parents, String kind, String tenant, List<String> errors) {
        if (!parents.isMissingNode() && !parents.isNull() && !parents.isArray()) {
            errors.add("parents: must be an array");
            return;
        }
        Map<String, Integer> relations = new HashMap<>();
        for (int i = 0; i < parents.size(); i++) {
            JsonNode p = parents.get(i);
            String relation = p.path("relation").asText("");
            ObjectNode parent = ARTIFACTS.get(p.path("id").asText(""));
            if (parent == null || (parent.hasNonNull("tenant_id") && !parent.get("tenant_id").asText().equals(tenant))) {
                errors.add("parents[" + i + "].id: no artifact '" + p.path("id").asText() + "' visible to " + tenant);
                continue;
            }
            String expected = switch (relation) {
                case "base_model" -> "base_model";
                case "quantized_base" -> "quantized_model";
                case "trained_on", "validated_on" -> "dataset";
                case "resumed_from", "exported_from" -> "checkpoint";
                case "continued_from" -> "adapter";
                default -> null;
            };
            if (expected == null || !TRAINED_KINDS.contains(kind)) {
                errors.add("parents[" + i + "].relation: '" + relation + "' is not a relation a " + kind + " can have");
            } else if (!expected.equals(parent.path("kind").asText())) {
                errors.add("parents[" + i + "].id: '" + parent.path("id").asText() + "' is a " + parent.path("kind").asText()
                        + ", but a " + relation + " parent must be a " + expected);
            } else {
                relations.merge(relation, 1, Integer::sum);
            }
        }
        if (TRAINED_KINDS.contains(kind)) {
            if (relations.getOrDefault("base_model", 0) != 1) {
                errors.add("parents: a " + kind + " needs exactly one 'base_model' parent");
            }
            if (relations.getOrDefault("trained_on", 0) < 1) {
                errors.add("parents: a " + kind + " needs at least one 'trained_on' parent");
            }
        }
    }

    private static ObjectNode view(ObjectNode stored) {
        ObjectNode v = stored.deepCopy();
        v.remove("seq");
        return v;
    }

    private static long size(String digest) {
        try {
            return Files.size(blobFile(digest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path blobFile(String digest) {
        return blobs.resolve(digest.substring("sha256:".length()));
    }

    /** {@code body}, checked to have the shape of the contract's sample (which artifact-store's provider test checks too). */
    private static JsonNode answerOf(String sample, JsonNode body) {
        List<String> differences = ContractSamples.shapeDifferences(ContractSamples.json(sample), body);
        if (!differences.isEmpty()) {
            throw new IllegalStateException("the stand-in's answer is not the shape of " + sample + ": " + differences);
        }
        return body;
    }

    private static ObjectNode problemBody(String type, String detail) {
        return JSON.createObjectNode().put("type", type).put("title", type).put("detail", detail);
    }

    private static void problem(HttpExchange ex, int status, String type, String detail) throws IOException {
        reply(ex, status, problemBody(type, detail));
    }

    private static void reply(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
