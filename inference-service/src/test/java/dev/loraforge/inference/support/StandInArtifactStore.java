package dev.loraforge.inference.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.loraforge.events.DirectoryArchive;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for artifact-store in inference-service's tests: {@code GET /api/v1/blobs/{digest}} over
 * directory archives made with {@link DirectoryArchive} (as the real store holds models and
 * adapters), counting downloads per digest, and {@code HEAD} for the same. Reads are scoped as artifact-store scopes
 * them: a blob given an owner ({@link #putOwnedCopy}) is served only to reads naming that tenant
 * ({@code X-Tenant-Id}); the others are shared. Builds the {@link Fixtures} before Quarkus starts.
 */
public class StandInArtifactStore implements QuarkusTestResourceLifecycleManager {

    private static final Map<String, byte[]> BLOBS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> DOWNLOADS = new ConcurrentHashMap<>();
    private static final Map<String, String> OWNERS = new ConcurrentHashMap<>();
    private static HttpServer server;

    @Override
    public synchronized Map<String, String> start() {
        try {
            if (server == null) {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                server.createContext("/api/v1/blobs/", StandInArtifactStore::handle);
                server.setExecutor(Executors.newFixedThreadPool(4));
                server.start();
                Fixtures.prepare(this);
            }
            return Map.of("inference.artifact-store-url", "http://127.0.0.1:" + server.getAddress().getPort(),
                    "inference.work-dir", Files.createTempDirectory("inference-work").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        // shared by the test classes of this JVM
    }

    /** Stores {@code dir} as an archive blob; returns its digest. */
    public String putDirectory(Path dir) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        DirectoryArchive.write(dir, tar);
        byte[] bytes = tar.toByteArray();
        String digest = "sha256:" + HexFormat.of().formatHex(sha256(bytes));
        BLOBS.put(digest, bytes);
        return digest;
    }

    /** Stores {@code bytes} as a blob; returns its digest. */
    public static String putBytes(byte[] bytes) {
        String digest = "sha256:" + HexFormat.of().formatHex(sha256(bytes));
        BLOBS.put(digest, bytes);
        return digest;
    }

    /**
     * A new blob holding the archive {@code digest}'s directory plus a note (so another digest), readable by
     * {@code tenant} only, as a tenant's adapter is; returns its digest.
     */
    public static String putOwnedCopy(String digest, String tenant) throws IOException {
        Path dir = Files.createTempDirectory("owned-copy").resolve("adapter");
        DirectoryArchive.extract(new java.io.ByteArrayInputStream(BLOBS.get(digest)), dir);
        Files.writeString(dir.resolve("README.md"), "a copy owned by " + tenant + "\n");
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        DirectoryArchive.write(dir, tar);
        String copy = putBytes(tar.toByteArray());
        OWNERS.put(copy, tenant);
        return copy;
    }

    /** How often a blob was downloaded. */
    public static int downloads(String digest) {
        AtomicInteger n = DOWNLOADS.get(digest);
        return n == null ? 0 : n.get();
    }

    private static void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String digest = ex.getRequestURI().getPath().substring("/api/v1/blobs/".length());
            byte[] blob = BLOBS.get(digest);
            String owner = OWNERS.get(digest);
            boolean readable = owner == null || owner.equals(ex.getRequestHeaders().getFirst("X-Tenant-Id"));
            boolean head = ex.getRequestMethod().equals("HEAD");
            if (blob == null || !readable || !(head || ex.getRequestMethod().equals("GET"))) {
                byte[] body = "{\"detail\":\"no such blob\"}".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(404, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
                return;
            }
            ex.getResponseHeaders().set("Content-Type", DirectoryArchive.MEDIA_TYPE);
            if (head) {
                ex.sendResponseHeaders(200, -1);
                return;
            }
            DOWNLOADS.computeIfAbsent(digest, d -> new AtomicInteger()).incrementAndGet();
            ex.sendResponseHeaders(200, blob.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(blob);
            }
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
