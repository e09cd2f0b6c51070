package dev.loraforge.inference.client;

import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.contracts.artifactstore.ArtifactStoreGuard;
import dev.loraforge.contracts.artifactstore.BlobTransfer;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.inference.config.InferenceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;

/**
 * artifact-store's blobs, through the shared contract ({@link BlobTransfer}): directory archives
 * ({@link DirectoryArchive}) streamed straight into a directory, the sha256 checked on the way (a
 * mismatch removes the directory again); failures that may pass are retried for
 * {@code inference.artifact-store-retry} ({@link ArtifactStoreGuard}).
 */
@ApplicationScoped
public class ArtifactStoreClient {

    private final BlobTransfer blobs;
    private final ArtifactStoreGuard guard;

    public ArtifactStoreClient(InferenceConfig config) {
        this.blobs = BlobTransfer.authenticated(config.artifactStoreUrl(), Duration.ofMinutes(30));
        this.guard = new ArtifactStoreGuard("inference-artifact-store", config.artifactStoreRetry(), null);
    }

    /**
     * Downloads the archive {@code digest}, read as {@code tenant} (null: a shared one), and extracts it into the new
     * directory {@code dir}.
     *
     * @throws ArtifactStoreException 404 when there is no such blob, 422 when it is not a directory
     *                                archive, 0 or 5xx when artifact-store could not deliver it
     */
    public void downloadDirectory(String digest, String tenant, Path dir) {
        guard.run(() -> blobs.downloadDirectory(digest, tenant, dir));
    }

    /** Downloads the blob {@code digest}, read as {@code tenant}, into {@code file} (replaced), checking its digest. */
    public void downloadFile(String digest, String tenant, Path file) {
        guard.run(() -> blobs.download(digest, tenant, file));
    }

    /** Whether artifact-store lets {@code tenant} (null: no tenant, shared blobs only) read the blob {@code digest}. */
    public boolean readable(String digest, String tenant) {
        return guard.call(() -> blobs.readable(digest, tenant));
    }

    /** Removes a directory tree, if it is there. */
    public static void delete(Path dir) {
        BlobTransfer.deleteTree(dir);
    }
}
