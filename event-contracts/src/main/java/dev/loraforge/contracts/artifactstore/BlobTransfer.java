package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.contracts.ByteRange;
import dev.loraforge.contracts.RangedStream;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.events.HashingInputStream;
import java.io.FileNotFoundException;
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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * artifact-store's blobs, streamed: {@code PUT /api/v1/blobs} (answers a {@link BlobView}) and
 * {@code GET /api/v1/blobs/{digest}} (the bytes). Bytes go between files, directories and the
 * network without ever being whole in the heap, and their sha256 is checked both ways: an upload
 * states its digest ({@value #DIGEST_HEADER}) so artifact-store refuses damaged bytes; a download
 * that arrives with another digest is removed and reported as retryable (status 0).
 *
 * <p>Reads name the tenant they are made for ({@code X-Tenant-Id}): artifact-store serves a tenant the blobs of its
 * own artifacts and the shared base and quantized models; {@code null} (a service's own read) gets the shared ones
 * only, anything else answers 404 as if absent.
 *
 * <p>Not a declarative REST client on purpose: those buffer streamed bodies. Failures are
 * {@link ArtifactStoreException}s, which an {@link ArtifactStoreGuard} retries.
 */
public final class BlobTransfer {

    /** The request header stating an upload's digest ({@code sha256:<hex>}). */
    public static final String DIGEST_HEADER = "X-Content-Digest";

    /** The request header naming the tenant a read is made for. */
    public static final String TENANT_HEADER = "X-Tenant-Id";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final Duration timeout;
    private final Supplier<String> authorization;

    /**
     * {@code baseUrl}: artifact-store's root URL; {@code timeout}: the most one transfer may take;
     * {@code authorization}: the {@code Authorization} header of each request, this service's token for artifact-store
     * ({@code () -> ServiceAuth.authorizationFor("artifact-store")}).
     */
    public BlobTransfer(String baseUrl, Duration timeout, Supplier<String> authorization) {
        this.base = baseUrl.replaceAll("/+$", "");
        this.timeout = timeout;
        this.authorization = authorization;
    }

    /** A transfer with this service's own token for artifact-store. */
    public static BlobTransfer authenticated(String baseUrl, Duration timeout) {
        return new BlobTransfer(baseUrl, timeout,
                () -> dev.loraforge.contracts.auth.ServiceAuth.authorizationFor(dev.loraforge.contracts.auth.ServiceTokenFilter.ARTIFACT_STORE));
    }

    /** Stores a file; {@code digest}, when known, is checked by artifact-store against what arrived. */
    public BlobView put(Path file, String digest) {
        HttpRequest.BodyPublisher body;
        try {
            body = HttpRequest.BodyPublishers.ofFile(file);
        } catch (FileNotFoundException e) {
            throw new UncheckedIOException("cannot upload " + file + ": it is gone", e);
        }
        BlobView blob = put(body, digest);
        checkStored(file.getFileName().toString(), digest, blob);
        return blob;
    }

    /**
     * Stores {@code dir} as one deterministic tar ({@link DirectoryArchive}), streamed through a
     * pipe (no temporary file); the digest is computed first, so artifact-store checks what arrives.
     */
    public BlobView putDirectory(Path dir) {
        String digest;
        try {
            digest = DirectoryArchive.digest(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot archive " + dir + ": " + e.getMessage(), e);
        }
        PipedInputStream in = new PipedInputStream(64 * 1024);
        Thread writer;
        try {
            PipedOutputStream out = new PipedOutputStream(in);
            writer = new Thread(() -> {
                try (out) {
                    DirectoryArchive.write(dir, out);
                } catch (IOException e) {
                    // the request ended early (the request reports it) or the directory changed
                    // while being read (artifact-store's digest check refuses it)
                }
            }, "archive-" + dir.getFileName());
            writer.setDaemon(true);
            writer.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            BlobView blob = put(HttpRequest.BodyPublishers.ofInputStream(() -> in), digest);
            checkStored(dir.getFileName().toString(), digest, blob);
            return blob;
        } finally {
            try {
                in.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
            writer.interrupt();
        }
    }

    /**
     * Downloads a blob, read as {@code tenant} (null: shared blobs only), into {@code file} (replaced); a digest
     * mismatch removes the file.
     */
    public void download(String digest, String tenant, Path file) {
        try (HashingInputStream in = HashingInputStream.sha256(open(digest, tenant))) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            String actual = in.hex();
            if (!actual.equals(digest)) {
                Files.deleteIfExists(file);
                throw new ArtifactStoreException("blob " + digest + " arrived with digest " + actual, 0);
            }
        } catch (IOException e) {
            deleteQuietly(file);
            throw new ArtifactStoreException("download of blob " + digest + " broke off: " + describe(e), 0, e);
        }
    }

    /**
     * Downloads a directory archive and extracts it into the new directory {@code dir}, checking the
     * archive's digest; on any failure {@code dir} is removed again. A blob that is not a directory
     * archive is a 422 {@link ArtifactStoreException} whose cause is the
     * {@link DirectoryArchive.ArchiveException} (never retried). Read as {@code tenant} (null: shared blobs only).
     */
    public void downloadDirectory(String digest, String tenant, Path dir) {
        try (HashingInputStream in = HashingInputStream.sha256(open(digest, tenant))) {
            try {
                DirectoryArchive.extract(in, dir);
            } catch (DirectoryArchive.ArchiveException e) {
                deleteTree(dir);
                throw new ArtifactStoreException("blob " + digest + " is not a directory archive: " + e.getMessage(),
                        422, e);
            }
            in.transferTo(OutputStream.nullOutputStream()); // the rest counts for the digest
            String actual = in.hex();
            if (!actual.equals(digest)) {
                deleteTree(dir);
                // retryable: the transfer may have been damaged on the way
                throw new ArtifactStoreException("blob " + digest + " arrived with digest " + actual, 0);
            }
        } catch (IOException e) {
            deleteTree(dir);
            throw new ArtifactStoreException("download of blob " + digest + " broke off: " + describe(e), 0, e);
        }
    }

    /**
     * The blob's bytes as a stream, read as {@code tenant} (null: shared blobs only); not checked: the caller reads as
     * far as it needs, and closes it.
     */
    public InputStream open(String digest, String tenant) {
        return open(digest, tenant, null).body();
    }

    /**
     * The blob, or the part of it that {@code range} (an HTTP {@code Range} header value, null for all of it) asks for,
     * read as {@code tenant}; a range artifact-store cannot satisfy is an answer of status 416.
     */
    public RangedStream open(String digest, String tenant, String range) {
        try {
            HttpRequest.Builder request = authorized(HttpRequest.newBuilder(uri("/api/v1/blobs/" + digest)));
            if (tenant != null) {
                request.header(TENANT_HEADER, tenant);
            }
            if (range != null) {
                request.header(ByteRange.RANGE, range);
            }
            HttpResponse<InputStream> response = http.send(request.timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            int status = response.statusCode();
            String contentRange = response.headers().firstValue(ByteRange.CONTENT_RANGE)
                    .orElse(null);
            if (status == 416) {
                response.body().close();
                return new RangedStream(416, 0, contentRange, null);
            }
            if (status != 200 && status != 206) {
                String body;
                try (InputStream in = response.body()) {
                    body = new String(in.readNBytes(2000), StandardCharsets.UTF_8);
                }
                throw ArtifactStoreException.fromAnswer(status, body);
            }
            return new RangedStream(status, response.headers().firstValueAsLong("Content-Length").orElse(-1), contentRange,
                    response.body());
        } catch (IOException e) {
            throw new ArtifactStoreException("artifact-store at " + base + " did not answer: " + describe(e), 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArtifactStoreException("interrupted while asking artifact-store", 0, e);
        }
    }

    /**
     * Streams one part of model upload {@code uploadId} ({@code POST /api/v1/model-uploads/{id}/parts}) from
     * {@code body}, {@code length} bytes (-1 or 0: unknown, sent chunked); answers the part as artifact-store recorded it.
     */
    public ModelUploadView.Part putUploadPart(String uploadId, java.util.function.Supplier<InputStream> body, long length) {
        HttpRequest.BodyPublisher publisher = length > 0
                ? HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(body), length)
                : HttpRequest.BodyPublishers.ofInputStream(body);
        HttpRequest request = authorized(HttpRequest.newBuilder(uri("/api/v1/model-uploads/"
                + java.net.URLEncoder.encode(uploadId, StandardCharsets.UTF_8) + "/parts"))).timeout(timeout)
                .header("Content-Type", "application/octet-stream").POST(publisher).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ArtifactStoreException("artifact-store at " + base + " did not answer: " + describe(e), 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArtifactStoreException("interrupted while sending an upload part", 0, e);
        }
        if (response.statusCode() != 201) {
            throw ArtifactStoreException.fromAnswer(response.statusCode(), response.body());
        }
        try {
            return JSON.readValue(response.body(), ModelUploadView.Part.class);
        } catch (IOException e) {
            throw new ArtifactStoreException("an upload part's answer is unreadable JSON: " + e.getMessage(), 502, e);
        }
    }

    private BlobView put(HttpRequest.BodyPublisher body, String digest) {
        HttpRequest.Builder request = authorized(HttpRequest.newBuilder(uri("/api/v1/blobs"))).timeout(timeout)
                .header("Content-Type", "application/octet-stream").PUT(body);
        if (digest != null) {
            request.header(DIGEST_HEADER, digest);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ArtifactStoreException("artifact-store at " + base + " did not answer: " + describe(e), 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArtifactStoreException("interrupted while storing a blob", 0, e);
        }
        if (response.statusCode() != 200 && response.statusCode() != 201) {
            throw ArtifactStoreException.fromAnswer(response.statusCode(), response.body());
        }
        try {
            JsonNode answer = JSON.readTree(response.body());
            return new BlobView(answer.path("digest").asText(), answer.path("size").asLong());
        } catch (IOException e) {
            throw new ArtifactStoreException("PUT /api/v1/blobs answered unreadable JSON: " + e.getMessage(), 502, e);
        }
    }

    /**
     * Whether {@code tenant} (null: a read without one, shared blobs only) may read the blob: {@code HEAD}, true on
     * 200, false on 404; anything else is an {@link ArtifactStoreException}.
     */
    public boolean readable(String digest, String tenant) {
        try {
            HttpRequest.Builder request = authorized(HttpRequest.newBuilder(uri("/api/v1/blobs/" + digest)));
            if (tenant != null) {
                request.header(TENANT_HEADER, tenant);
            }
            HttpResponse<String> response = http.send(request.timeout(timeout)
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            return switch (response.statusCode()) {
                case 200 -> true;
                case 404 -> false;
                default -> throw ArtifactStoreException.fromAnswer(response.statusCode(), response.body());
            };
        } catch (IOException e) {
            throw new ArtifactStoreException("artifact-store at " + base + " did not answer: " + describe(e), 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArtifactStoreException("interrupted while asking artifact-store", 0, e);
        }
    }

    private static void checkStored(String what, String digest, BlobView blob) {
        if (digest != null && !blob.digest().equals(digest)) {
            throw new ArtifactStoreException("artifact-store stored " + what + " as " + blob.digest()
                    + " but it hashes to " + digest, 0);
        }
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    /** Removes a directory tree if it is there (quietly: a leftover in a work directory is harmless). */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(BlobTransfer::deleteQuietly);
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        String value = authorization == null ? null : authorization.get();
        return value == null ? request : request.header("Authorization", value);
    }
}
