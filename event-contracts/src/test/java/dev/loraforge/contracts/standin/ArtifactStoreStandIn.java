package dev.loraforge.contracts.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.loraforge.contracts.ByteRange;
import dev.loraforge.contracts.ContractSamples;
import dev.loraforge.contracts.Problem;
import dev.loraforge.contracts.artifactstore.ArtifactKind;
import dev.loraforge.contracts.artifactstore.Relation;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.DirectoryArchive;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The one stand-in for artifact-store in the services' tests (Kafka and PostgreSQL stay real; the
 * system tests run the real artifact-store): its HTTP contract on a loopback port and a temp folder,
 * every answer checked against the contract's golden samples ({@link ContractSamples}, which
 * artifact-store's provider test checks its real answers against), with the registry rules that
 * matter to its callers:
 * <ul>
 *   <li>blobs: {@code PUT /api/v1/blobs} (content-addressed, {@code X-Content-Digest} checked),
 *       {@code GET}/{@code HEAD /api/v1/blobs/{digest}} with ranges; a tenant reads the blobs of its
 *       own artifacts and of shared ones (a blob no artifact names is read as its {@link #own owner} allows);</li>
 *   <li>{@code POST /api/v1/artifacts}: the kinds, id prefixes, owners, jobs, metadata and relations of
 *       the contract's types ({@link ArtifactKind}, {@link Relation}), client-chosen ids idempotent (the
 *       same registration answers 200, other content under a taken id 409);</li>
 *   <li>{@code GET /api/v1/artifacts} (kind, scheme, parent), {@code /artifacts/{id}},
 *       {@code /artifacts/{id}/lineage} (ancestors) and {@code /base-models[/{name}]}, scoped by
 *       {@code X-Tenant-Id} as artifact-store scopes them.</li>
 * </ul>
 * A service adds what only its tests need with {@link #route}. Problems come back as
 * {@code application/problem+json} in the internal services' shape. Counters (uploads, downloads,
 * posts, creations) let tests tell how often something happened; {@link #hold} keeps a download
 * waiting mid-way; {@link #down} makes every call a 503.
 */
public final class ArtifactStoreStandIn {

    /** An extra route of a service's tests: answers the exchange (the stand-in closes it). */
    @FunctionalInterface
    public interface Route {
        void handle(HttpExchange exchange, String path) throws IOException;
    }

    /**
     * The Quarkus test resource of a service's tests: starts the {@link #shared() shared} stand-in and
     * hands the service the settings {@link #settings} makes of its URL.
     */
    public abstract static class Resource implements QuarkusTestResourceLifecycleManager {

        /** The service's settings for a stand-in at {@code url} (its artifact-store URL, and whatever else it needs). */
        protected abstract Map<String, String> settings(String url);

        @Override
        public final Map<String, String> start() {
            return settings(shared().url());
        }

        @Override
        public final void stop() {
            // shared by the test classes of this JVM (they share one application)
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern ID_TAIL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static ArtifactStoreStandIn shared;

    private final HttpServer server;
    private final Path blobs;
    private final Map<String, ObjectNode> artifacts = new ConcurrentHashMap<>();
    private final Map<String, String> owners = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> uploads = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> downloads = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> posts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> created = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> held = new ConcurrentHashMap<>();
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final AtomicInteger allUploads = new AtomicInteger();
    private final AtomicInteger sequence = new AtomicInteger();
    private volatile boolean down;

    private ArtifactStoreStandIn() throws IOException {
        blobs = Files.createTempDirectory("stand-in-artifact-store");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "stand-in-artifact-store");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** The stand-in of this JVM, started on first use. */
    public static synchronized ArtifactStoreStandIn shared() {
        if (shared == null) {
            try {
                shared = new ArtifactStoreStandIn();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** While true every call answers 503, as an artifact-store that is down. */
    public void down(boolean isDown) {
        this.down = isDown;
    }

    /** Serves {@code METHOD /api/v1/<prefix>...} with {@code route} (before the stand-in's own routes). */
    public synchronized void route(String method, String pathPrefix, Route route) {
        routes.put(method + " " + pathPrefix, route);
    }

    // ------------------------------------------------------------------ blobs, for tests

    /** Stores bytes as a blob (not counted as an upload); returns the digest. */
    public String putBlob(byte[] bytes) {
        try {
            return store(new java.io.ByteArrayInputStream(bytes), null).digest();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores a file as a blob (not counted as an upload); returns the digest. */
    public String putBlob(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return store(in, null).digest();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stores a directory as a {@link DirectoryArchive} blob, as models and adapters are stored; returns the digest. */
    public String putDirectory(Path dir) {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try {
            DirectoryArchive.write(dir, tar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return putBlob(tar.toByteArray());
    }

    /** A blob that no artifact names is read by {@code tenant} only (as a tenant's adapter is); else by anyone. */
    public void own(String digest, String tenant) {
        owners.put(digest, tenant);
    }

    public boolean hasBlob(String digest) {
        return DIGEST.matcher(digest).matches() && Files.isRegularFile(blob(digest));
    }

    /** A stored blob's file. */
    public Path blob(String digest) {
        return blobs.resolve(digest.substring("sha256:".length()));
    }

    public byte[] blobBytes(String digest) {
        try {
            return Files.readAllBytes(blob(digest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public InputStream openBlob(String digest) throws IOException {
        return Files.newInputStream(blob(digest));
    }

    /** Downloads of this blob wait until {@link #release} (at most a minute): a run is held mid-way. */
    public void hold(String digest) {
        held.put(digest, new CountDownLatch(1));
    }

    /** Lets held downloads of this blob go on. */
    public void release(String digest) {
        CountDownLatch latch = held.remove(digest);
        if (latch != null) {
            latch.countDown();
        }
    }

    /** {@code PUT /api/v1/blobs} calls that stored this digest. */
    public int uploads(String digest) {
        return count(uploads, digest);
    }

    /** {@code PUT /api/v1/blobs} calls of any content. */
    public int allUploads() {
        return allUploads.get();
    }

    /** {@code GET /api/v1/blobs/{digest}} calls that were served. */
    public int downloads(String digest) {
        return count(downloads, digest);
    }

    // ------------------------------------------------------------------ artifacts, for tests

    /** Archives a model directory into a blob and registers it as base model {@code model-<name>}, private to {@code tenant} if not null. */
    public ArtifactRef registerBaseModel(String name, Path modelDir, String tenant) {
        return registerBaseModelBlob(name, putDirectory(modelDir), tenant);
    }

    /** Registers the stored blob {@code digest} as base model {@code model-<name>} (tenant null: public). */
    public ArtifactRef registerBaseModelBlob(String name, String digest, String tenant) {
        ObjectNode body = JSON.createObjectNode().put("id", "model-" + name).put("kind", "base_model").put("name", name)
                .put("digest", digest).put("tenant_id", tenant);
        return new ArtifactRef(register(body, tenant).path("id").asText(), digest);
    }

    /** Registers an input artifact (a base model, a dataset) under a generated id; returns the id. */
    public String register(String kind, String name, String digest, String tenant) {
        ObjectNode body = JSON.createObjectNode().put("kind", kind).put("name", name).put("digest", digest)
                .put("tenant_id", tenant);
        return register(body, tenant).path("id").asText();
    }

    /** {@code POST /api/v1/artifacts} as a test; a refusal is an {@link IllegalStateException} naming it. */
    public JsonNode register(ObjectNode body, String headerTenant) {
        Answer a = registration(body, headerTenant);
        if (a.status() >= 300) {
            throw new IllegalStateException("the stand-in refused " + body + ": " + a.body());
        }
        return a.body();
    }

    /** Puts an artifact in as an earlier run left it, without the registration rules (its view's fields). */
    public void putArtifact(ObjectNode artifact) {
        ObjectNode a = artifact.deepCopy();
        a.put("seq", sequence.incrementAndGet());
        artifacts.put(a.path("id").asText(), a);
    }

    /** A registered artifact as artifact-store answers it, or null. */
    public JsonNode artifact(String id) {
        ObjectNode a = artifacts.get(id);
        return a == null ? null : view(a);
    }

    /** The registered artifacts of a job and kind, oldest first. */
    public List<JsonNode> artifacts(String jobId, String kind) {
        return artifacts.values().stream()
                .filter(a -> jobId.equals(a.path("job_id").asText()) && kind.equals(a.path("kind").asText()))
                .sorted((a, b) -> Integer.compare(a.path("seq").asInt(), b.path("seq").asInt()))
                .map(this::view).toList();
    }

    /** Whether a base model of that name is registered (visible to anyone or not). */
    public boolean hasBaseModel(String name) {
        return artifacts.values().stream().anyMatch(a -> a.path("kind").asText().equals("base_model")
                && a.path("name").asText().equals(name));
    }

    /** How many registrations of {@code id} passed the rules (a retried registration counts again). */
    public int posts(String id) {
        return count(posts, id);
    }

    /** How many posts of {@code id} created it (201). */
    public int created(String id) {
        return count(created, id);
    }

    // ------------------------------------------------------------------ HTTP

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (down) {
                ex.getRequestBody().readAllBytes();
                problem(ex, 503, "unavailable", "the stand-in is down for the test");
                return;
            }
            Route extra = route(method, path);
            if (extra != null) {
                extra.handle(ex, path);
            } else if (path.equals("/api/v1/blobs") && method.equals("PUT")) {
                putBlob(ex);
            } else if (path.startsWith("/api/v1/blobs/") && (method.equals("GET") || method.equals("HEAD"))) {
                getBlob(ex, path.substring("/api/v1/blobs/".length()));
            } else if (path.equals("/api/v1/artifacts") && method.equals("POST")) {
                postArtifact(ex);
            } else if (path.equals("/api/v1/artifacts") && method.equals("GET")) {
                listArtifacts(ex);
            } else if (path.startsWith("/api/v1/artifacts/") && path.endsWith("/lineage") && method.equals("GET")) {
                lineage(ex, path.substring("/api/v1/artifacts/".length(), path.length() - "/lineage".length()));
            } else if (path.startsWith("/api/v1/artifacts/") && method.equals("GET")) {
                ObjectNode a = artifacts.get(path.substring("/api/v1/artifacts/".length()));
                if (a == null || !visible(a, tenant(ex))) {
                    problem(ex, 404, "not-found", "no artifact " + path.substring("/api/v1/artifacts/".length()));
                } else {
                    reply(ex, 200, checked(ContractSamples.ARTIFACT, view(a)));
                }
            } else if (path.equals("/api/v1/base-models") && method.equals("GET")) {
                boolean all = tenant(ex) == null && String.valueOf(ex.getRequestURI().getQuery()).contains("include_private=true");
                ArrayNode list = JSON.createArrayNode();
                baseModels().filter(m -> all || visible(m, tenant(ex))).map(this::view).forEach(list::add);
                reply(ex, 200, checked(ContractSamples.ARTIFACTS, list));
            } else if (path.startsWith("/api/v1/base-models/") && method.equals("GET")) {
                String name = path.substring("/api/v1/base-models/".length()); // getPath() is decoded already
                Optional<ObjectNode> found = baseModels().filter(m -> m.path("name").asText().equals(name)
                        && visible(m, tenant(ex))).findFirst();
                if (found.isEmpty()) {
                    problem(ex, 404, "not-found", "no base model named " + name);
                } else {
                    reply(ex, 200, checked(ContractSamples.ARTIFACT, view(found.get())));
                }
            } else {
                ex.getRequestBody().readAllBytes();
                problem(ex, 404, "not-found", "the stand-in has no " + method + " " + path);
            }
        } catch (IllegalStateException e) { // a contract violation: loud, as a 500 naming it
            problem(ex, 500, "internal-error", e.getMessage());
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private synchronized Route route(String method, String path) {
        for (Map.Entry<String, Route> r : routes.entrySet()) {
            if (r.getKey().startsWith(method + " ") && path.startsWith(r.getKey().substring(method.length() + 1))) {
                return r.getValue();
            }
        }
        return null;
    }

    private void putBlob(HttpExchange ex) throws IOException {
        String stated = ex.getRequestHeaders().getFirst("X-Content-Digest");
        if (stated != null && !DIGEST.matcher(stated).matches()) {
            ex.getRequestBody().readAllBytes();
            problem(ex, 400, "invalid-digest", "X-Content-Digest header: '" + stated + "' is not sha256:<64 hex>");
            return;
        }
        Stored stored = store(ex.getRequestBody(), stated);
        if (stored == null) {
            problem(ex, 400, "digest-mismatch", "the body does not hash to " + stated);
            return;
        }
        uploads.computeIfAbsent(stored.digest(), d -> new AtomicInteger()).incrementAndGet();
        allUploads.incrementAndGet();
        reply(ex, stored.created() ? 201 : 200, checked(ContractSamples.BLOB,
                JSON.createObjectNode().put("digest", stored.digest()).put("size", stored.size())));
    }

    private void getBlob(HttpExchange ex, String digest) throws IOException, InterruptedException {
        if (!DIGEST.matcher(digest).matches()) {
            problem(ex, 400, "invalid-digest", "'" + digest + "' is not sha256:<64 lowercase hex>");
            return;
        }
        CountDownLatch latch = held.get(digest);
        if (latch != null) {
            latch.await(1, TimeUnit.MINUTES);
        }
        String reader = tenant(ex);
        if (!hasBlob(digest) || !readable(digest, reader)) {
            problem(ex, 404, "not-found", "no blob " + digest + " is readable by " + reader);
            return;
        }
        byte[] bytes = blobBytes(digest);
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        ex.getResponseHeaders().set("ETag", "\"" + digest + "\"");
        ex.getResponseHeaders().set(ByteRange.ACCEPT_RANGES, "bytes");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(200, -1);
            return;
        }
        downloads.computeIfAbsent(digest, d -> new AtomicInteger()).incrementAndGet();
        ByteRange range;
        try {
            range = ByteRange.parse(ex.getRequestHeaders().getFirst(ByteRange.RANGE), bytes.length).orElse(null);
        } catch (ByteRange.Unsatisfiable e) {
            ex.getResponseHeaders().set(ByteRange.CONTENT_RANGE, e.contentRange());
            problem(ex, 416, "range-not-satisfiable", e.getMessage());
            return;
        }
        int from = range == null ? 0 : (int) range.first();
        int length = range == null ? bytes.length : (int) range.length();
        if (range != null) {
            ex.getResponseHeaders().set(ByteRange.CONTENT_RANGE, range.contentRange());
        }
        ex.sendResponseHeaders(range == null ? 200 : 206, length == 0 ? -1 : length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes, from, length);
        }
    }

    private void postArtifact(HttpExchange ex) throws IOException {
        JsonNode body;
        try {
            body = JSON.readTree(ex.getRequestBody());
        } catch (IOException e) {
            problem(ex, 400, "invalid-json", "the body is not JSON: " + e.getMessage());
            return;
        }
        if (!(body instanceof ObjectNode object)) {
            problem(ex, 400, "invalid-json", "the body must be a JSON object");
            return;
        }
        List<String> differences = ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.NEW_ARTIFACT), object);
        if (!differences.isEmpty()) {
            problem(ex, 400, "invalid-request", "not the shape of the contract's " + ContractSamples.NEW_ARTIFACT + ": "
                    + differences);
            return;
        }
        Answer a = registration(object, tenant(ex));
        reply(ex, a.status(), a.status() < 300 ? checked(ContractSamples.ARTIFACT, a.body()) : a.body());
    }

    private void listArtifacts(HttpExchange ex) throws IOException {
        Map<String, String> q = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            String[] kv = pair.split("=", 2);
            q.put(kv[0], URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8));
        }
        String reader = tenant(ex);
        ArrayNode list = JSON.createArrayNode();
        artifacts.values().stream()
                .filter(a -> visible(a, reader))
                .filter(a -> !q.containsKey("kind") || a.path("kind").asText().equals(q.get("kind")))
                .filter(a -> !q.containsKey("scheme") || a.path("metadata").path("scheme").asText().equals(q.get("scheme")))
                .filter(a -> !q.containsKey("parent") || a.path("parents").findValuesAsText("id").contains(q.get("parent")))
                .sorted((a, b) -> Integer.compare(b.path("seq").asInt(), a.path("seq").asInt()))
                .map(this::view).forEach(list::add);
        reply(ex, 200, checked(ContractSamples.ARTIFACTS, list));
    }

    /** The ancestors of an artifact the reader sees: every artifact up its parents, and the edges between them. */
    private void lineage(HttpExchange ex, String id) throws IOException {
        String reader = tenant(ex);
        ObjectNode root = artifacts.get(id);
        if (root == null || !visible(root, reader)) {
            problem(ex, 404, "not-found", "no artifact " + id);
            return;
        }
        Set<String> seen = new LinkedHashSet<>();
        ArrayNode edges = JSON.createArrayNode();
        ArrayDeque<ObjectNode> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            ObjectNode a = todo.pop();
            if (!seen.add(a.path("id").asText())) {
                continue;
            }
            for (JsonNode p : a.path("parents")) {
                ObjectNode parent = artifacts.get(p.path("id").asText());
                if (parent != null && visible(parent, reader)) {
                    edges.add(JSON.createObjectNode().put("child", a.path("id").asText()).put("parent",
                            parent.path("id").asText()).put("relation", p.path("relation").asText()));
                    todo.add(parent);
                }
            }
        }
        ObjectNode lineage = JSON.createObjectNode().put("root", id).put("direction", "ancestors");
        ArrayNode nodes = lineage.putArray("nodes");
        seen.forEach(n -> nodes.add(view(artifacts.get(n))));
        lineage.set("edges", edges);
        reply(ex, 200, checked(ContractSamples.LINEAGE, lineage));
    }

    // ------------------------------------------------------------------ the registry's rules

    private record Answer(int status, JsonNode body) {
    }

    private synchronized Answer registration(ObjectNode r, String headerTenant) {
        List<Problem.Violation> v = new ArrayList<>();
        ArtifactKind kind = ArtifactKind.fromWire(r.path("kind").asText("")).orElse(null);
        if (kind == null) {
            v.add(new Problem.Violation("kind", "'" + r.path("kind").asText() + "' is not a kind; use one of "
                    + ArtifactKind.valid()));
        }
        String name = r.path("name").asText("");
        if (name.isBlank() || name.length() > 200) {
            v.add(new Problem.Violation("name", "must be 1-200 characters"));
        }
        String id = text(r, "id");
        if (id != null && kind != null && !(id.startsWith(kind.idPrefix() + "-")
                && ID_TAIL.matcher(id.substring(kind.idPrefix().length() + 1)).matches())) {
            v.add(new Problem.Violation("id", "'" + id + "' must be '" + kind.idPrefix() + "-' followed by letters,"
                    + " digits, '.', '_' or '-'"));
        }
        String digest = r.path("digest").asText("");
        if (!hasBlob(digest)) {
            v.add(new Problem.Violation("digest", "no blob " + digest + " is stored; upload it with PUT /api/v1/blobs"));
        }
        String tenant = text(r, "tenant_id");
        if (headerTenant != null && tenant != null && !headerTenant.equals(tenant)) {
            v.add(new Problem.Violation("tenant_id", "'" + tenant + "' differs from the X-Tenant-Id header"));
        }
        if (tenant == null && kind != null && kind.tenantOwned()) {
            tenant = headerTenant;
            if (tenant == null) {
                v.add(new Problem.Violation("tenant_id", "is required: a " + kind.wireName() + " belongs to a tenant"));
            }
        }
        if (text(r, "job_id") == null && (kind == ArtifactKind.CHECKPOINT || kind == ArtifactKind.ADAPTER)) {
            v.add(new Problem.Violation("job_id", "is required for a " + kind.wireName()));
        }
        checkMetadata(r.path("metadata"), kind, v);
        checkParents(r.path("parents"), kind, tenant, v);
        if (!v.isEmpty()) {
            return new Answer(400, problemBody(400, "invalid-request", v.stream().map(x -> x.field() + ": " + x.message())
                    .reduce((x, y) -> x + "; " + y).orElseThrow()));
        }
        ObjectNode a = JSON.createObjectNode();
        a.put("id", id).put("kind", kind.wireName()).put("name", name).put("digest", digest)
                .put("size", blob(digest).toFile().length()).put("tenant_id", tenant).put("job_id", text(r, "job_id"));
        a.set("metadata", r.path("metadata").isObject() ? r.get("metadata").deepCopy() : JSON.createObjectNode());
        a.set("parents", r.path("parents").isArray() ? r.get("parents").deepCopy() : JSON.createArrayNode());
        if (id == null) {
            id = kind.idPrefix() + "-" + sequence.incrementAndGet();
            a.put("id", id);
        }
        posts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        ObjectNode existing = artifacts.get(id);
        if (existing != null) {
            ObjectNode same = existing.deepCopy();
            same.remove(List.of("seq", "created_at"));
            return same.equals(a) ? new Answer(200, view(existing)) : new Answer(409, problemBody(409, "conflict",
                    "artifact " + id + " is registered with other content"));
        }
        a.put("created_at", OffsetDateTime.now(ZoneOffset.UTC).toString());
        a.put("seq", sequence.incrementAndGet());
        artifacts.put(id, a);
        created.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        return new Answer(201, view(a));
    }

    private static void checkMetadata(JsonNode m, ArtifactKind kind, List<Problem.Violation> v) {
        if (!m.isMissingNode() && !m.isNull() && !m.isObject()) {
            v.add(new Problem.Violation("metadata", "must be an object"));
            return;
        }
        if (kind == ArtifactKind.QUANTIZED_MODEL && m.path("scheme").asText("").isBlank()) {
            v.add(new Problem.Violation("metadata.scheme", "is required for a quantized_model (e.g. \"nf4\")"));
        }
        if (kind == ArtifactKind.CHECKPOINT && !(m.path("step").isIntegralNumber() && m.path("step").asLong() >= 0)) {
            v.add(new Problem.Violation("metadata.step", "is required for a checkpoint, an integer >= 0"));
        }
        if (m.has("seed") && !m.get("seed").isIntegralNumber()) {
            v.add(new Problem.Violation("metadata.seed", "must be an integer"));
        }
        m.path("metrics").fields().forEachRemaining(e -> {
            if (!e.getValue().isNumber()) {
                v.add(new Problem.Violation("metadata.metrics." + e.getKey(), "must be a number, got " + e.getValue()));
            }
        });
    }

    private void checkParents(JsonNode parents, ArtifactKind kind, String tenant, List<Problem.Violation> v) {
        if (!parents.isMissingNode() && !parents.isNull() && !parents.isArray()) {
            v.add(new Problem.Violation("parents", "must be an array"));
            return;
        }
        Map<Relation, Integer> counts = new EnumMap<>(Relation.class);
        for (int i = 0; i < parents.size(); i++) {
            String at = "parents[" + i + "]";
            Relation relation = Relation.fromWire(parents.get(i).path("relation").asText("")).orElse(null);
            ObjectNode parent = artifacts.get(parents.get(i).path("id").asText(""));
            if (relation == null || (kind != null && !relation.allowsChild(kind))) {
                v.add(new Problem.Violation(at + ".relation", "'" + parents.get(i).path("relation").asText()
                        + "' is not a relation a " + (kind == null ? "child" : kind.wireName()) + " can have"));
            } else if (parent == null || !visible(parent, tenant)) {
                v.add(new Problem.Violation(at + ".id", "no artifact '" + parents.get(i).path("id").asText()
                        + "' visible to " + tenant));
            } else if (!relation.allowsParent(ArtifactKind.fromWire(parent.path("kind").asText()).orElseThrow())) {
                v.add(new Problem.Violation(at + ".id", "'" + parent.path("id").asText() + "' is a "
                        + parent.path("kind").asText() + ", not a " + relation.parentKinds()));
            } else if (relation == Relation.QUANTIZED_FROM
                    && !parent.path("tenant_id").asText("").equals(tenant == null ? "" : tenant)) {
                v.add(new Problem.Violation("tenant_id", "a quantized model has the owner of its base model"));
            } else {
                counts.merge(relation, 1, Integer::sum);
            }
        }
        if (kind == ArtifactKind.QUANTIZED_MODEL && counts.getOrDefault(Relation.QUANTIZED_FROM, 0) != 1) {
            v.add(new Problem.Violation("parents", "a quantized_model needs exactly one 'quantized_from' parent"));
        }
        if (kind == ArtifactKind.CHECKPOINT || kind == ArtifactKind.ADAPTER) {
            if (counts.getOrDefault(Relation.BASE_MODEL, 0) != 1) {
                v.add(new Problem.Violation("parents", "a " + kind.wireName() + " needs exactly one 'base_model' parent"));
            }
            if (counts.getOrDefault(Relation.TRAINED_ON, 0) < 1) {
                v.add(new Problem.Violation("parents", "a " + kind.wireName() + " needs at least one 'trained_on' parent"));
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private record Stored(String digest, long size, boolean created) {
    }

    /** Stores a stream under its sha256; null (and nothing kept) when it does not hash to {@code expected}. */
    private Stored store(InputStream body, String expected) throws IOException {
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
            boolean isNew = !Files.exists(blob(digest));
            if (isNew) {
                Files.move(tmp, blob(digest), StandardCopyOption.ATOMIC_MOVE);
            }
            return new Stored(digest, size, isNew);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * artifact-store's read scope: a blob of the reader's artifacts or of shared ones; a blob no artifact names,
     * as its {@link #own owner} allows.
     */
    private boolean readable(String digest, String reader) {
        List<ObjectNode> naming = artifacts.values().stream().filter(a -> digest.equals(a.path("digest").asText())).toList();
        if (naming.isEmpty()) {
            String owner = owners.get(digest);
            return owner == null || owner.equals(reader);
        }
        return naming.stream().anyMatch(a -> visible(a, reader));
    }

    /** Whether a read as {@code tenant} (null: none) sees the artifact: a shared one, or one of its own. */
    private static boolean visible(JsonNode artifact, String tenant) {
        String owner = artifact.path("tenant_id").asText(null);
        return owner == null || owner.equals(tenant);
    }

    private java.util.stream.Stream<ObjectNode> baseModels() {
        return artifacts.values().stream().filter(a -> a.path("kind").asText().equals("base_model"))
                .sorted((a, b) -> Integer.compare(b.path("seq").asInt(), a.path("seq").asInt()));
    }

    /** A stored artifact as artifact-store answers it (every member present). */
    private JsonNode view(ObjectNode stored) {
        ObjectNode v = stored.deepCopy();
        v.remove("seq");
        if (!v.has("size")) {
            String digest = v.path("digest").asText();
            v.put("size", hasBlob(digest) ? blob(digest).toFile().length() : 0);
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
        return v;
    }

    /** {@code body} when it has the shape of the contract's sample; else the stand-in drifted, loudly. */
    public static JsonNode checked(String sample, JsonNode body) {
        List<String> differences = ContractSamples.shapeDifferences(ContractSamples.json(sample), body);
        if (!differences.isEmpty()) {
            throw new IllegalStateException("the stand-in's answer is not the shape of " + sample + ": " + differences);
        }
        return body;
    }

    private static String tenant(HttpExchange ex) {
        return ex.getRequestHeaders().getFirst("X-Tenant-Id");
    }

    private static String text(JsonNode r, String field) {
        return r.hasNonNull(field) ? r.get(field).asText() : null;
    }

    private static int count(Map<String, AtomicInteger> counts, String key) {
        AtomicInteger n = counts.get(key);
        return n == null ? 0 : n.get();
    }

    /** A problem in the internal services' shape ({@link Problem}). */
    public static JsonNode problemBody(int status, String slug, String detail) {
        return JSON.valueToTree(Problem.of(status, slug, detail).withCode(slug.replace('-', '_'), null));
    }

    /** Answers a problem in the internal services' shape. */
    public static void problem(HttpExchange ex, int status, String slug, String detail) throws IOException {
        reply(ex, status, problemBody(status, slug, detail));
    }

    /** Answers JSON ({@code application/problem+json} for a 4xx or 5xx). */
    public static void reply(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", status >= 400 ? Problem.MEDIA_TYPE : "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    public static byte[] sha256(byte[] bytes) {
        return sha256().digest(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
