package dev.loraforge.trainer.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.events.HashingInputStream;
import dev.loraforge.trainer.config.TrainerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * artifact-store over HTTP ({@code trainer.artifact-store-url}; its contract is in artifact-store's
 * README). Blobs stream between files and the network, never whole in the heap, and their sha256 is
 * checked on the way in and out. Calls that fail for a reason that may pass (no answer, 5xx, 408,
 * 429) are retried with backoff for up to {@code trainer.artifact-store-retry}.
 */
@ApplicationScoped
public class ArtifactStoreClient {

    private static final Logger LOG = Logger.getLogger(ArtifactStoreClient.class);
    static final String DIGEST_HEADER = "X-Content-Digest";
    static final String TENANT_HEADER = "X-Tenant-Id";

    /** A parent of a new artifact: {@code child RELATION parent}. */
    public record Parent(String id, String relation) {
    }

    /** The body of {@code POST /api/v1/artifacts}; {@code id} is a client-chosen id that makes a retry safe. */
    public record NewArtifact(String id, String kind, String name, String digest, String tenantId, String jobId,
                              Map<String, Object> metadata, List<Parent> parents) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json;
    private final String base;
    private final Duration retryFor;

    public ArtifactStoreClient(TrainerConfig config, ObjectMapper json) {
        this.json = json;
        this.base = config.artifactStoreUrl().replaceAll("/+$", "");
        this.retryFor = config.artifactStoreRetry();
    }

    /** Downloads a blob into {@code file} (replaced), checking its digest. */
    public void downloadFile(String digest, Path file) {
        retrying("download of blob " + digest, () -> {
            try (InputStream body = open(digest)) {
                MessageDigest sha = sha256();
                try (InputStream in = new DigestInputStream(body, sha)) {
                    Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                checkDigest(digest, sha, () -> Files.deleteIfExists(file));
                return null;
            } catch (IOException e) {
                throw new ArtifactStoreException("download of blob " + digest + " broke off: " + e.getMessage(), 0, e);
            }
        });
    }

    /**
     * Downloads a directory archive ({@link DirectoryArchive}) and extracts it into the new directory
     * {@code dir}, checking the archive's digest; on any failure {@code dir} is removed again.
     */
    public void downloadDirectory(String digest, Path dir) {
        retrying("download of archive " + digest, () -> {
            try (InputStream body = open(digest)) {
                MessageDigest sha = sha256();
                try (InputStream in = new HashingInputStream(body, sha)) {
                    DirectoryArchive.extract(in, dir);
                    in.transferTo(OutputStream.nullOutputStream()); // the rest counts for the digest
                }
                checkDigest(digest, sha, () -> FileTrees.delete(dir));
                return null;
            } catch (DirectoryArchive.ArchiveException e) {
                deleteTreeQuietly(dir);
                throw new ArtifactStoreException("blob " + digest + " is not a usable directory archive: " + e.getMessage(), 422, e);
            } catch (IOException e) {
                deleteTreeQuietly(dir);
                throw new ArtifactStoreException("download of archive " + digest + " broke off: " + e.getMessage(), 0, e);
            }
        });
    }

    /** Stores {@code dir} as one deterministic tar blob, streamed; returns its digest and size. */
    public Blob uploadDirectory(Path dir) {
        String digest;
        try {
            digest = DirectoryArchive.digest(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot archive " + dir + ": " + e.getMessage(), e);
        }
        return retrying("upload of " + dir.getFileName(), () -> {
            PipedInputStream in = new PipedInputStream(64 * 1024);
            Thread writer;
            try {
                PipedOutputStream out = new PipedOutputStream(in);
                writer = new Thread(() -> {
                    try (out) {
                        DirectoryArchive.write(dir, out);
                    } catch (IOException e) {
                        // the request ended early (its failure is reported by the request) or the
                        // directory changed while being read (the digest check below catches it)
                        LOG.debugf("archive writer for %s stopped: %s", dir, e.getMessage());
                    }
                }, "archive-" + dir.getFileName());
                writer.setDaemon(true);
                writer.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/blobs"))
                        .timeout(Duration.ofMinutes(30))
                        .header("Content-Type", "application/octet-stream")
                        .header(DIGEST_HEADER, digest)
                        .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> in)).build());
                JsonNode body = check(response, "PUT /api/v1/blobs", 200, 201);
                Blob blob = new Blob(body.path("digest").asText(), body.path("size").asLong());
                if (!blob.digest().equals(digest)) {
                    throw new ArtifactStoreException("artifact-store stored " + dir.getFileName() + " as " + blob.digest()
                            + " but it hashes to " + digest, 0);
                }
                return blob;
            } finally {
                closeQuietly(in);
                writer.interrupt();
            }
        });
    }

    /** Registers an artifact (a retry with the same id and content answers the same artifact). */
    public ArtifactRef register(NewArtifact artifact) {
        ObjectNode body = json.createObjectNode();
        if (artifact.id() != null) {
            body.put("id", artifact.id());
        }
        body.put("kind", artifact.kind()).put("name", artifact.name()).put("digest", artifact.digest())
                .put("tenant_id", artifact.tenantId()).put("job_id", artifact.jobId());
        body.set("metadata", json.valueToTree(artifact.metadata() == null ? Map.of() : artifact.metadata()));
        var parents = body.putArray("parents");
        for (Parent p : artifact.parents() == null ? List.<Parent>of() : artifact.parents()) {
            parents.addObject().put("id", p.id()).put("relation", p.relation());
        }
        String text = body.toString();
        JsonNode answer = retrying("registration of " + artifact.kind() + " " + artifact.name(), () -> check(send(
                HttpRequest.newBuilder(uri("/api/v1/artifacts")).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header(TENANT_HEADER, artifact.tenantId())
                        .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build()),
                "POST /api/v1/artifacts", 200, 201));
        return new ArtifactRef(answer.path("id").asText(), answer.path("digest").asText());
    }

    /** A stored blob. */
    public record Blob(String digest, long size) {
    }

    private InputStream open(String digest) {
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri("/api/v1/blobs/" + digest))
                    .timeout(Duration.ofMinutes(30)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                String detail;
                try (InputStream in = response.body()) {
                    detail = abbreviate(new String(in.readNBytes(500), StandardCharsets.UTF_8));
                }
                throw new ArtifactStoreException("GET /api/v1/blobs/" + digest + " answered HTTP " + response.statusCode()
                        + (detail.isBlank() ? "" : ": " + detail), response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new ArtifactStoreException("artifact-store at " + base + " did not answer: " + describe(e), 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArtifactStoreException("interrupted", 0, e);
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ArtifactStoreException("artifact-store at " + base + " did not answer: " + describe(e), 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArtifactStoreException("interrupted", 0, e);
        }
    }

    private JsonNode check(HttpResponse<String> response, String what, int... ok) {
        for (int code : ok) {
            if (response.statusCode() == code) {
                try {
                    return json.readTree(response.body());
                } catch (IOException e) {
                    throw new ArtifactStoreException(what + " answered unreadable JSON: " + e.getMessage(), 502, e);
                }
            }
        }
        throw new ArtifactStoreException(what + " answered HTTP " + response.statusCode() + ": "
                + abbreviate(response.body()), response.statusCode());
    }

    /** Runs {@code call}, retrying retryable failures with backoff (0.5 s doubling to 15 s) for up to {@code retryFor}. */
    <T> T retrying(String what, Supplier<T> call) {
        long deadline = System.nanoTime() + retryFor.toNanos();
        long pause = 500;
        while (true) {
            try {
                return call.get();
            } catch (ArtifactStoreException e) {
                if (!e.retryable() || System.nanoTime() + pause * 1_000_000 > deadline || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                LOG.warnf("%s failed (%s); retrying in %d ms", what, e.getMessage(), pause);
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                pause = Math.min(pause * 2, 15_000);
            }
        }
    }

    private interface Cleanup {
        void run() throws IOException;
    }

    private static void checkDigest(String expected, MessageDigest sha, Cleanup cleanup) throws IOException {
        String actual = "sha256:" + HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(expected)) {
            cleanup.run();
            // retryable: a transfer may have been corrupted on the way
            throw new ArtifactStoreException("blob " + expected + " arrived with digest " + actual, 0);
        }
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTreeQuietly(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            LOG.warnf("cannot remove %s: %s", dir, e.getMessage());
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
