package dev.loraforge.quant.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.loraforge.contracts.ContractSamples;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.DirectoryArchive;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for artifact-store in quant-service's tests (Kafka and PostgreSQL stay real; the system
 * tests run the real artifact-store): the endpoints quant-service calls, on a temp folder, with the
 * rules of the real one that matter here (content-addressed blobs checked against
 * {@code X-Content-Digest}; registrations idempotent by id, 409 for other content under a taken id;
 * a quantized model needs a scheme and exactly one {@code quantized_from} base model, and has its owner; a model
 * private to a tenant is seen only by reads with that {@code X-Tenant-Id}). It counts
 * uploads per digest and registrations per id, so tests can tell how often a model was quantized.
 */
public class StandInArtifactStore implements QuarkusTestResourceLifecycleManager {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, ObjectNode> ARTIFACTS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> UPLOADS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> CREATED = new ConcurrentHashMap<>();
    private static final AtomicInteger ALL_UPLOADS = new AtomicInteger();
    private static final Map<String, CountDownLatch> HELD = new ConcurrentHashMap<>();
    private static HttpServer server;
    private static Path dir;

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            try {
                dir = Files.createTempDirectory("stand-in-artifact-store");
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                server.createContext("/api/v1/", StandInArtifactStore::handle);
                server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
                server.start();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return Map.of("quant.artifact-store-url", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        // shared by the test classes of this JVM
    }

    // ------------------------------------------------------------------ for tests

    /** Archives a model directory into a blob and registers it as a base model {@code model-<name>}. */
    public static ArtifactRef registerBaseModel(String name, Path modelDir) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        DirectoryArchive.write(modelDir, tar);
        return registerBaseModelBlob(name, tar.toByteArray());
    }

    /** Stores any bytes as a blob and registers them as a base model {@code model-<name>}. */
    public static ArtifactRef registerBaseModelBlob(String name, byte[] blob) throws IOException {
        return registerBaseModelBlob(name, blob, null);
    }

    /** As {@link #registerBaseModel}, private to {@code tenant}. */
    public static ArtifactRef registerPrivateBaseModel(String name, Path modelDir, String tenant) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        DirectoryArchive.write(modelDir, tar);
        return registerBaseModelBlob(name, tar.toByteArray(), tenant);
    }

    private static ArtifactRef registerBaseModelBlob(String name, byte[] blob, String tenant) throws IOException {
        String digest = putBlob(blob);
        ObjectNode a = JSON.createObjectNode().put("id", "model-" + name).put("kind", "base_model").put("name", name)
                .put("digest", digest);
        if (tenant != null) {
            a.put("tenant_id", tenant);
        }
        a.putObject("metadata");
        a.putArray("parents");
        ARTIFACTS.put(a.get("id").asText(), a);
        return new ArtifactRef(a.get("id").asText(), digest);
    }

    /** Stores bytes as a blob (not counted as an upload) and returns the digest. */
    public static String putBlob(byte[] bytes) throws IOException {
        String hex = HexFormat.of().formatHex(sha256().digest(bytes));
        Files.write(dir.resolve(hex), bytes);
        return "sha256:" + hex;
    }

    /** Registers an artifact directly (as an earlier run would have). */
    public static void putArtifact(ObjectNode artifact) {
        ARTIFACTS.put(artifact.get("id").asText(), artifact);
    }

    public static JsonNode artifact(String id) {
        return ARTIFACTS.get(id);
    }

    /** Downloads of this blob wait until {@link #release} (at most a minute): a run is held mid-way. */
    public static void hold(String digest) {
        HELD.put(digest, new CountDownLatch(1));
    }

    /** Lets held downloads of this blob go on. */
    public static void release(String digest) {
        CountDownLatch latch = HELD.remove(digest);
        if (latch != null) {
            latch.countDown();
        }
    }

    /** A stored blob's file. */
    public static Path blob(String digest) {
        return dir.resolve(digest.substring("sha256:".length()));
    }

    /** {@code PUT /api/v1/blobs} calls that stored this digest. */
    public static int uploads(String digest) {
        return UPLOADS.getOrDefault(digest, new AtomicInteger()).get();
    }

    /** {@code PUT /api/v1/blobs} calls of any content. */
    public static int allUploads() {
        return ALL_UPLOADS.get();
    }

    /** {@code POST /api/v1/artifacts} calls that created this id (201). */
    public static int created(String id) {
        return CREATED.getOrDefault(id, new AtomicInteger()).get();
    }

    // ------------------------------------------------------------------ HTTP

    private static void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals("/api/v1/blobs") && method.equals("PUT")) {
                putBlob(ex);
            } else if (path.startsWith("/api/v1/blobs/") && method.equals("GET")) {
                String digest = path.substring("/api/v1/blobs/".length());
                CountDownLatch held = HELD.get(digest);
                if (held != null) {
                    held.await(1, TimeUnit.MINUTES);
                }
                Path blob = blob(digest);
                String reader = ex.getRequestHeaders().getFirst("X-Tenant-Id");
                if (!Files.exists(blob) || ARTIFACTS.values().stream().noneMatch(a -> a.path("digest").asText().equals(digest)
                        && visible(a, reader))) {
                    problem(ex, 404, "no blob");
                    return;
                }
                ex.sendResponseHeaders(200, Files.size(blob));
                try (OutputStream out = ex.getResponseBody()) {
                    Files.copy(blob, out);
                }
            } else if (path.equals("/api/v1/artifacts") && method.equals("POST")) {
                register(ex);
            } else if (path.startsWith("/api/v1/artifacts/") && method.equals("GET")) {
                JsonNode a = ARTIFACTS.get(URLDecoder.decode(path.substring("/api/v1/artifacts/".length()), StandardCharsets.UTF_8));
                if (a == null || !visible(a, ex.getRequestHeaders().getFirst("X-Tenant-Id"))) {
                    problem(ex, 404, "no artifact");
                } else {
                    reply(ex, 200, view(a));
                }
            } else if (path.startsWith("/api/v1/base-models/") && method.equals("GET")) {
                String name = URLDecoder.decode(path.substring("/api/v1/base-models/".length()), StandardCharsets.UTF_8);
                String reader = ex.getRequestHeaders().getFirst("X-Tenant-Id");
                JsonNode a = ARTIFACTS.values().stream().filter(x -> x.path("kind").asText().equals("base_model")
                        && x.path("name").asText().equals(name) && visible(x, reader)).findFirst().orElse(null);
                if (a == null) {
                    problem(ex, 404, "no base model named " + name);
                } else {
                    reply(ex, 200, view(a));
                }
            } else {
                problem(ex, 404, "not in the stand-in: " + method + " " + path);
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static void putBlob(HttpExchange ex) throws IOException {
        Path tmp = Files.createTempFile(dir, "upload", ".tmp");
        MessageDigest sha = sha256();
        long size;
        try (InputStream in = new DigestInputStream(ex.getRequestBody(), sha)) {
            size = Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        String digest = "sha256:" + HexFormat.of().formatHex(sha.digest());
        String stated = ex.getRequestHeaders().getFirst("X-Content-Digest");
        if (stated != null && !stated.equals(digest)) {
            Files.delete(tmp);
            problem(ex, 400, "body hashes to " + digest + ", not " + stated);
            return;
        }
        boolean existed = Files.exists(blob(digest));
        Files.move(tmp, blob(digest), StandardCopyOption.REPLACE_EXISTING);
        UPLOADS.computeIfAbsent(digest, d -> new AtomicInteger()).incrementAndGet();
        ALL_UPLOADS.incrementAndGet();
        reply(ex, existed ? 200 : 201, JSON.createObjectNode().put("digest", digest).put("size", size));
    }

    private static synchronized void register(HttpExchange ex) throws IOException {
        ObjectNode a = (ObjectNode) JSON.readTree(ex.getRequestBody());
        String kind = a.path("kind").asText();
        String digest = a.path("digest").asText();
        if (!List.of("base_model", "quantized_model").contains(kind)) {
            problem(ex, 400, "kind '" + kind + "' is not served by the stand-in");
            return;
        }
        if (!digest.startsWith("sha256:") || !Files.exists(blob(digest))) {
            problem(ex, 400, "digest: no blob " + digest + " is stored");
            return;
        }
        String header = ex.getRequestHeaders().getFirst("X-Tenant-Id");
        if (a.hasNonNull("tenant_id") && header != null && !header.equals(a.path("tenant_id").asText())) {
            problem(ex, 400, "tenant_id: differs from the X-Tenant-Id header");
            return;
        }
        List<String> violations = ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.NEW_ARTIFACT), a);
        if (!violations.isEmpty()) {
            problem(ex, 400, "not the shape of the contract's " + ContractSamples.NEW_ARTIFACT + ": " + violations);
            return;
        }
        if (kind.equals("quantized_model")) {
            if (a.path("metadata").path("scheme").asText().isBlank()) {
                problem(ex, 400, "metadata.scheme: is required for a quantized_model");
                return;
            }
            JsonNode parents = a.path("parents");
            if (parents.size() != 1 || !parents.get(0).path("relation").asText().equals("quantized_from")) {
                problem(ex, 400, "parents: a quantized_model needs exactly one 'quantized_from' parent");
                return;
            }
            JsonNode base = ARTIFACTS.get(parents.get(0).path("id").asText());
            if (base == null || !base.path("kind").asText().equals("base_model")
                    || !visible(base, a.path("tenant_id").asText(null))) {
                problem(ex, 400, "parents[0].id: no base model " + parents.get(0).path("id").asText());
                return;
            }
            if (!base.path("tenant_id").asText("").equals(a.path("tenant_id").asText(""))) {
                problem(ex, 400, "tenant_id: a quantized model has the owner of its base model");
                return;
            }
        }
        String id = a.path("id").asText(null);
        if (id == null) {
            problem(ex, 400, "id: the stand-in needs client-chosen ids");
            return;
        }
        ObjectNode existing = ARTIFACTS.get(id);
        if (existing != null) {
            if (existing.equals(a)) {
                reply(ex, 200, view(existing));
            } else {
                problem(ex, 409, "id " + id + " is already registered with different content");
            }
            return;
        }
        ARTIFACTS.put(id, a);
        CREATED.computeIfAbsent(id, x -> new AtomicInteger()).incrementAndGet();
        reply(ex, 201, view(a));
    }

    /** Whether a read as {@code tenant} (null: none) sees the artifact: a public one, or one private to it. */
    private static boolean visible(JsonNode artifact, String tenant) {
        String owner = artifact.path("tenant_id").asText(null);
        return owner == null || owner.equals(tenant);
    }

    /**
     * A stored artifact as artifact-store answers it: the registration plus its size and creation
     * time, checked to have the shape of the contract's sample (artifact-store's provider test checks
     * its real answers against the same sample).
     */
    private static JsonNode view(JsonNode stored) {
        ObjectNode v = stored.deepCopy();
        if (!v.has("size")) {
            Path blob = v.path("digest").asText().startsWith("sha256:") ? blob(v.path("digest").asText()) : dir.resolve("none");
            try {
                v.put("size", Files.exists(blob) ? Files.size(blob) : 0);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        for (String field : new String[] {"tenant_id", "job_id"}) {
            if (!v.has(field)) {
                v.putNull(field);
            }
        }
        if (!v.has("metadata")) {
            v.putObject("metadata");
        }
        if (!v.has("parents")) {
            v.putArray("parents");
        }
        if (!v.has("created_at")) {
            v.put("created_at", "2026-12-06T00:00:00Z");
        }
        List<String> differences = ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.ARTIFACT), v);
        if (!differences.isEmpty()) {
            throw new IllegalStateException("the stand-in's answer is not the shape of the contract: " + differences);
        }
        return v;
    }

    private static void problem(HttpExchange ex, int status, String detail) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/problem+json");
        byte[] bytes = JSON.createObjectNode().put("status", status).put("detail", detail).toString()
                .getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void reply(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
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
