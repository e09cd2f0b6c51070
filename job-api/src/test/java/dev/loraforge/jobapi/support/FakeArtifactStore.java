package dev.loraforge.jobapi.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.loraforge.contracts.ContractSamples;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for artifact-store in job-api's service tests (Kafka and PostgreSQL stay real; the
 * system tests run the real artifact-store): the blob, artifact and base-model endpoints of its
 * contract and a canned lineage walk, on a temp folder. Knows one base model, {@value #BASE_MODEL}.
 */
public class FakeArtifactStore implements QuarkusTestResourceLifecycleManager {

    public static final String BASE_MODEL = "tiny-llama";
    public static final String BASE_ID = "model-test-tiny";
    public static final String BASE_DIGEST = "sha256:" + "1".repeat(64);

    /** Registered artifacts by id, as posted. */
    public static final Map<String, JsonNode> ARTIFACTS = new ConcurrentHashMap<>();
    /** When true, every request answers 503. */
    public static volatile boolean down;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger IDS = new AtomicInteger();
    private static HttpServer server;
    private static Path dir;

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            try {
                dir = Files.createTempDirectory("fake-artifact-store");
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                server.createContext("/api/v1/", FakeArtifactStore::handle);
                server.start();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return Map.of("jobapi.artifact-store-url", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        // shared by the test classes of this JVM
    }

    /** The bytes of a stored blob. */
    public static byte[] blob(String digest) throws IOException {
        return Files.readAllBytes(dir.resolve(digest.substring(7)));
    }

    private static void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (down) {
                reply(ex, 503, JSON.createObjectNode().put("detail", "down for the test"));
                return;
            }
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals("/api/v1/blobs") && method.equals("PUT")) {
                Path tmp = Files.createTempFile(dir, "upload", ".tmp");
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long size;
                try (InputStream in = new DigestInputStream(ex.getRequestBody(), sha)) {
                    size = Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                String hex = HexFormat.of().formatHex(sha.digest());
                Files.move(tmp, dir.resolve(hex), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                reply(ex, 201, check(ContractSamples.BLOB, JSON.createObjectNode().put("digest", "sha256:" + hex)
                        .put("size", size)));
            } else if (path.startsWith("/api/v1/blobs/") && method.equals("GET")) {
                Path blob = dir.resolve(path.substring("/api/v1/blobs/sha256:".length()));
                if (!Files.exists(blob)) {
                    reply(ex, 404, JSON.createObjectNode().put("detail", "no blob"));
                    return;
                }
                FakeInferenceService.sendRanged(ex, Files.readAllBytes(blob), "application/octet-stream");
            } else if (path.equals("/api/v1/artifacts") && method.equals("POST")) {
                JsonNode request = JSON.readTree(ex.getRequestBody());
                check(ContractSamples.NEW_ARTIFACT, request);
                ObjectNode artifact = request.deepCopy();
                String id = artifact.path("id").isTextual() ? artifact.path("id").asText()
                        : artifact.path("kind").asText() + "-" + IDS.incrementAndGet();
                String digest = artifact.path("digest").asText();
                Path stored = digest.startsWith("sha256:") ? dir.resolve(digest.substring(7)) : null;
                ObjectNode view = JSON.createObjectNode().put("id", id);
                view.setAll(artifact);
                view.put("id", id).put("size", stored != null && Files.exists(stored) ? Files.size(stored) : 0);
                view.put("created_at", java.time.Instant.now().toString());
                ARTIFACTS.put(id, view);
                reply(ex, 201, check(ContractSamples.ARTIFACT, view));
            } else if (path.equals("/api/v1/artifacts") && method.equals("GET")) {
                Map<String, String> q = new java.util.HashMap<>();
                String raw = ex.getRequestURI().getRawQuery();
                for (String pair : raw == null ? new String[0] : raw.split("&")) {
                    String[] kv = pair.split("=", 2);
                    q.put(kv[0], java.net.URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
                }
                ArrayNode list = JSON.createArrayNode();
                ARTIFACTS.values().stream()
                        .filter(a -> !q.containsKey("kind") || a.path("kind").asText().equals(q.get("kind")))
                        .filter(a -> !q.containsKey("scheme") || a.path("metadata").path("scheme").asText().equals(q.get("scheme")))
                        .filter(a -> !q.containsKey("parent") || a.path("parents").findValuesAsText("id").contains(q.get("parent")))
                        .forEach(list::add);
                reply(ex, 200, check(ContractSamples.ARTIFACTS, list));
            } else if (path.startsWith("/api/v1/artifacts/") && path.endsWith("/lineage") && method.equals("GET")) {
                // the adapter with its base model; the root carries the tenant the caller scoped the read to
                String id = path.substring("/api/v1/artifacts/".length(), path.length() - "/lineage".length());
                String tenant = ex.getRequestHeaders().getFirst("X-Tenant-Id");
                if (tenant == null) {
                    reply(ex, 400, JSON.createObjectNode().put("detail", "the fake wants X-Tenant-Id"));
                    return;
                }
                ObjectNode lineage = JSON.createObjectNode().put("root", id).put("direction", "ancestors");
                ObjectNode adapter = (ObjectNode) ContractSamples.json(ContractSamples.ARTIFACT);
                adapter.put("id", id).put("name", "ft:" + BASE_MODEL).put("tenant_id", tenant);
                ((ObjectNode) adapter.get("parents").get(0)).put("id", BASE_ID);
                ((ArrayNode) adapter.get("parents")).remove(1);
                lineage.putArray("nodes").add(adapter).add(baseModel());
                lineage.putArray("edges").add(JSON.createObjectNode().put("child", id).put("parent", BASE_ID)
                        .put("relation", "base_model"));
                reply(ex, 200, check(ContractSamples.LINEAGE, lineage));
            } else if (path.equals("/api/v1/base-models") && method.equals("GET")) {
                // as artifact-store scopes it: a tenant sees the public models and its own, no tenant the public ones,
                // include_private all
                String tenant = ex.getRequestHeaders().getFirst("X-Tenant-Id");
                boolean all = tenant == null && String.valueOf(ex.getRequestURI().getQuery()).contains("include_private=true");
                ArrayNode list = JSON.createArrayNode();
                list.add(baseModel());
                IMPORTED.values().stream().filter(m -> all || visible(m, tenant)).forEach(list::add);
                reply(ex, 200, check(ContractSamples.ARTIFACTS, list));
            } else if (path.startsWith("/api/v1/base-models/") && method.equals("GET")) {
                String name = path.substring("/api/v1/base-models/".length()); // getPath() is decoded already
                ObjectNode found = name.equals(BASE_MODEL) ? baseModel() : IMPORTED.get(name);
                boolean seen = found != null && visible(found, ex.getRequestHeaders().getFirst("X-Tenant-Id"));
                reply(ex, seen ? 200 : 404, seen ? found : JSON.createObjectNode().put("detail", "unknown"));
            } else if (path.equals("/api/v1/base-models") && method.equals("POST")) {
                JsonNode request = check(ContractSamples.BASE_MODEL_REQUEST, JSON.readTree(ex.getRequestBody()));
                if (request.path("path").asText().contains("refused")) {
                    reply(ex, 400, problem(400, "the weights do not match config.json: tensor 'lm_head.weight' is missing"));
                    return;
                }
                ObjectNode model = baseModel().put("name", request.path("name").asText("imported/model"))
                        .put("id", "model-" + UUID.randomUUID().toString().replace("-", ""))
                        .put("digest", "sha256:" + HexFormat.of().formatHex(sha256(request.path("path").asText()
                                .getBytes(StandardCharsets.UTF_8))));
                model.set("tenant_id", request.get("tenant_id"));
                IMPORTED.put(model.path("name").asText(), model);
                reply(ex, 201, check(ContractSamples.BASE_MODEL, model));
            } else if (path.startsWith("/api/v1/model-uploads")) {
                modelUpload(ex, path.substring("/api/v1/model-uploads".length()), method);            } else {
                reply(ex, 404, JSON.createObjectNode().put("detail", "not in the fake: " + method + " " + path));
            }
        } catch (IllegalStateException e) { // a contract violation: loud, as a 500 naming it
            reply(ex, 500, JSON.createObjectNode().put("detail", e.getMessage()));
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** Base models imported through the stand-in, by name: public or private to their {@code tenant_id}. */
    public static final Map<String, ObjectNode> IMPORTED = new ConcurrentHashMap<>();

    private static boolean visible(JsonNode model, String tenant) {
        String owner = model.path("tenant_id").asText(null);
        return owner == null || owner.equals(tenant);
    }

    /** Model uploads: id to the upload's JSON (its parts included). */
    private static final Map<String, ObjectNode> UPLOADS = new java.util.concurrent.ConcurrentHashMap<>();

    /** artifact-store's model uploads, kept in memory: create, parts, get, complete (the parts must add up), cancel. */
    private static void modelUpload(HttpExchange ex, String rest, String method) throws IOException {
        if (rest.isEmpty() && method.equals("POST")) {
            JsonNode request = check(ContractSamples.MODEL_UPLOAD_REQUEST, JSON.readTree(ex.getRequestBody()));
            ObjectNode upload = ((ObjectNode) ContractSamples.json(ContractSamples.MODEL_UPLOAD))
                    .put("id", "mupload-" + UUID.randomUUID().toString().replace("-", ""))
                    .put("name", request.path("name").asText()).put("bytes", request.path("bytes").asLong())
                    .put("received_bytes", 0);
            upload.set("revision", request.get("revision"));
            upload.set("tenant_id", request.get("tenant_id"));
            upload.set("filename", request.get("filename"));
            upload.putArray("parts");
            UPLOADS.put(upload.path("id").asText(), upload);
            reply(ex, 201, check(ContractSamples.MODEL_UPLOAD, upload));
            return;
        }
        String[] segments = rest.substring(1).split("/");
        // the body is read before any answer: a server that answers and closes with a request body unread makes the
        // client's socket reset, which can drop the answer (the JDK HttpServer does; the fuzzer caught it)
        byte[] bytes = ex.getRequestBody().readAllBytes();
        ObjectNode upload = UPLOADS.get(segments[0]);
        if (upload == null) {
            reply(ex, 404, problem(404, "no model upload '" + segments[0] + "'"));
            return;
        }
        String action = segments.length > 1 ? segments[1] : "";
        boolean pending = upload.path("status").asText().equals("pending");
        if (!action.isEmpty() && !pending) {
            reply(ex, 409, problem(409, "upload " + segments[0] + " is " + upload.path("status").asText()));
            return;
        }
        switch (action) {
            case "parts" -> {
                ObjectNode part = JSON.createObjectNode().put("id", "part-" + UUID.randomUUID().toString().replace("-", ""))
                        .put("size", bytes.length).put("sha256", HexFormat.of().formatHex(sha256(bytes)))
                        .put("created_at", "2026-12-07T07:00:05.000Z");
                ((ArrayNode) upload.get("parts")).add(part);
                upload.put("received_bytes", upload.path("received_bytes").asLong() + bytes.length);
                reply(ex, 201, part);
            }
            case "complete" -> {
                JsonNode request = check(ContractSamples.MODEL_UPLOAD_COMPLETE, JSON.readTree(bytes));
                long total = 0;
                for (JsonNode id : request.path("part_ids")) {
                    for (JsonNode p : upload.path("parts")) {
                        total += p.path("id").asText().equals(id.asText()) ? p.path("size").asLong() : 0;
                    }
                }
                if (total != upload.path("bytes").asLong()) {
                    reply(ex, 400, problem(400, "the listed parts hold " + total + " bytes, but the upload declared "
                            + upload.path("bytes").asLong()));
                    return;
                }
                upload.put("status", "completed").put("artifact_id", "model-" + UUID.randomUUID().toString().replace("-", ""))
                        .put("completed_at", "2026-12-07T07:01:00.000Z");
                reply(ex, 200, check(ContractSamples.MODEL_UPLOAD, upload));
            }
            case "cancel" -> {
                upload.put("status", "cancelled");
                reply(ex, 200, check(ContractSamples.MODEL_UPLOAD, upload));
            }
            default -> reply(ex, 200, check(ContractSamples.MODEL_UPLOAD, upload));
        }
    }

    private static ObjectNode problem(int status, String detail) {
        return JSON.createObjectNode().put("type", "urn:loraforge:problem:invalid-request").put("status", status)
                .put("detail", detail);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The contract's base-model sample, as this stand-in's one base model. */
    private static ObjectNode baseModel() {
        ObjectNode model = (ObjectNode) ContractSamples.json(ContractSamples.BASE_MODEL);
        return model.put("id", BASE_ID).put("name", BASE_MODEL).put("digest", BASE_DIGEST)
                .put("created_at", "2026-11-24T10:00:00Z");
    }

    /**
     * {@code json} when it has the shape of the contract's sample (so that this stand-in cannot
     * drift from what artifact-store answers, which its provider test checks against the same samples).
     */
    private static JsonNode check(String sample, JsonNode json) {
        List<String> differences = ContractSamples.shapeDifferences(ContractSamples.json(sample), json);
        if (!differences.isEmpty()) {
            throw new IllegalStateException("not the shape of " + sample + ": " + differences);
        }
        return json;
    }

    private static void reply(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
