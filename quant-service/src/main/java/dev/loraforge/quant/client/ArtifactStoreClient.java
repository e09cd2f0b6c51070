package dev.loraforge.quant.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.events.HashingInputStream;
import dev.loraforge.quant.config.QuantConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * artifact-store over HTTP ({@code quant.artifact-store-url}; the contract is in artifact-store's
 * README and rest package). Blobs stream between files and the network, never whole in the heap,
 * and their sha256 is checked both ways. Calls that fail for a reason that may pass (no answer, 5xx,
 * 408, 429) are retried with backoff for up to {@code quant.artifact-store-retry}.
 */
@ApplicationScoped
public class ArtifactStoreClient {

    private static final Logger LOG = Logger.getLogger(ArtifactStoreClient.class);
    static final String DIGEST_HEADER = "X-Content-Digest";

    /** A stored blob. */
    public record Blob(String digest, long size) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json;
    private final String base;
    private final Duration retryFor;

    public ArtifactStoreClient(QuantConfig config, ObjectMapper json) {
        this.json = json;
        this.base = config.artifactStoreUrl().replaceAll("/+$", "");
        this.retryFor = config.artifactStoreRetry();
    }

    /** {@code GET /api/v1/artifacts/{id}}; empty on 404. */
    public Optional<JsonNode> artifact(String id) {
        return getOptional("/api/v1/artifacts/" + encode(id));
    }

    /** {@code GET /api/v1/base-models/{name}}; empty on 404. */
    public Optional<JsonNode> baseModel(String name) {
        return getOptional("/api/v1/base-models/" + encode(name));
    }

    /**
     * Downloads a directory archive ({@link DirectoryArchive}) and extracts it into the new directory
     * {@code dir}, checking the digest of what arrived; on any failure {@code dir} is removed again.
     *
     * @throws DirectoryArchive.ArchiveException the blob is not a readable directory archive
     * @throws ArtifactStoreException            the blob is missing (404) or could not be fetched
     */
    public void downloadDirectory(String digest, Path dir) throws DirectoryArchive.ArchiveException {
        try {
            retrying("download of blob " + digest, () -> {
                try (InputStream body = open(digest)) {
                    String actual;
                    try (HashingInputStream in = new HashingInputStream(body, sha256())) {
                        DirectoryArchive.extract(in, dir);
                        in.transferTo(OutputStream.nullOutputStream()); // the rest counts for the digest
                        actual = in.hex();
                    }
                    if (!actual.equals(digest)) {
                        deleteTree(dir);
                        // retryable: the transfer may have been damaged on the way
                        throw new ArtifactStoreException("blob " + digest + " arrived with digest " + actual, 0);
                    }
                    return null;
                } catch (DirectoryArchive.ArchiveException e) {
                    deleteTree(dir);
                    throw new UnreadableArchive(e);
                } catch (IOException e) {
                    deleteTree(dir);
                    throw new ArtifactStoreException("download of blob " + digest + " broke off: " + describe(e), 0, e);
                }
            });
        } catch (UnreadableArchive e) {
            throw e.archive;
        }
    }

    /** Carries an archive refusal out of the retry loop (it is never retried). */
    private static final class UnreadableArchive extends RuntimeException {
        final DirectoryArchive.ArchiveException archive;

        UnreadableArchive(DirectoryArchive.ArchiveException archive) {
            super(archive.getMessage(), archive, false, false);
            this.archive = archive;
        }
    }

    /**
     * Packs {@code dir} as a deterministic tar into {@code tarFile} and stores it; returns the blob,
     * whose digest artifact-store checked against the one computed while packing.
     */
    public Blob uploadDirectory(Path dir, Path tarFile) throws IOException {
        MessageDigest sha = sha256();
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tarFile), sha)) {
            DirectoryArchive.write(dir, out);
        }
        String digest = hex(sha);
        return retrying("upload of " + dir.getFileName(), () -> {
            HttpRequest.BodyPublisher file;
            try {
                file = HttpRequest.BodyPublishers.ofFile(tarFile);
            } catch (FileNotFoundException e) {
                throw new IllegalStateException("the packed archive " + tarFile + " vanished", e);
            }
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/blobs"))
                    .timeout(Duration.ofMinutes(30))
                    .header("Content-Type", "application/octet-stream")
                    .header(DIGEST_HEADER, digest)
                    .PUT(file).build());
            JsonNode body = check(response, "PUT /api/v1/blobs", 200, 201);
            Blob blob = new Blob(body.path("digest").asText(), body.path("size").asLong());
            if (!blob.digest().equals(digest)) {
                throw new ArtifactStoreException("artifact-store stored " + dir.getFileName() + " as " + blob.digest()
                        + " but it hashes to " + digest, 0);
            }
            return blob;
        });
    }

    /**
     * {@code POST /api/v1/artifacts}: 201 created, 200 when the same id was registered with the same
     * content. A 409 (the id is taken by other content) surfaces as an {@link ArtifactStoreException}.
     */
    public JsonNode register(JsonNode artifact) {
        String text = artifact.toString();
        return retrying("registration of " + artifact.path("kind").asText() + " " + artifact.path("id").asText(),
                () -> check(send(HttpRequest.newBuilder(uri("/api/v1/artifacts")).timeout(Duration.ofSeconds(30))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build()),
                        "POST /api/v1/artifacts", 200, 201));
    }

    private Optional<JsonNode> getOptional(String path) {
        return retrying("GET " + path, () -> {
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                    .header("Accept", "application/json").GET().build());
            if (response.statusCode() == 404) {
                return Optional.empty();
            }
            return Optional.of(check(response, "GET " + path, 200));
        });
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
    private <T> T retrying(String what, Supplier<T> call) {
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

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(MessageDigest sha) {
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }

    /** Removes a directory tree (quietly: a leftover in the scratch directory is harmless). */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.debugf("cannot remove %s: %s", p, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warnf("cannot remove %s: %s", dir, e.getMessage());
        }
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
