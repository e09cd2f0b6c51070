package dev.loraforge.inference.client;

import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.events.HashingInputStream;
import dev.loraforge.inference.config.InferenceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;

/**
 * artifact-store's blobs over HTTP ({@code GET /api/v1/blobs/{digest}}): directory archives
 * ({@link DirectoryArchive}) streamed straight into a directory, the archive's sha256 checked on
 * the way (a mismatch removes the directory again).
 */
@ApplicationScoped
public class ArtifactStoreClient {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public ArtifactStoreClient(InferenceConfig config) {
        this.base = config.artifactStoreUrl().replaceAll("/+$", "");
    }

    /** Downloads the archive {@code digest} and extracts it into the new directory {@code dir}. */
    public void downloadDirectory(String digest, Path dir) {
        try (InputStream body = open(digest)) {
            HashingInputStream in = new HashingInputStream(body, sha256());
            try {
                DirectoryArchive.extract(in, dir);
                in.transferTo(OutputStream.nullOutputStream()); // the rest counts for the digest
            } catch (DirectoryArchive.ArchiveException e) {
                delete(dir);
                throw new ArtifactStoreException("blob " + digest + " is not a directory archive: " + e.getMessage(), 422, e);
            }
            String actual = in.hex();
            if (!actual.equals(digest)) {
                delete(dir);
                throw new ArtifactStoreException("blob " + digest + " arrived with digest " + actual, 502);
            }
        } catch (IOException e) {
            delete(dir);
            throw new ArtifactStoreException("download of blob " + digest + " from artifact-store at " + base
                    + " broke off: " + e.getMessage(), 0, e);
        }
    }

    private InputStream open(String digest) {
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/blobs/" + digest))
                    .timeout(Duration.ofMinutes(30)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                String detail;
                try (InputStream in = response.body()) {
                    detail = new String(in.readNBytes(300), StandardCharsets.UTF_8);
                }
                throw new ArtifactStoreException("artifact-store has no blob " + digest + " (GET /api/v1/blobs/" + digest
                        + " answered HTTP " + response.statusCode() + (detail.isBlank() ? "" : ": " + detail) + ")",
                        response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new ArtifactStoreException("artifact-store at " + base + " did not answer: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArtifactStoreException("interrupted while asking artifact-store", 0, e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Removes a directory tree, if it is there. */
    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
