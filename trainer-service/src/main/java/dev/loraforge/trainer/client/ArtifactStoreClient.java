package dev.loraforge.trainer.client;

import dev.loraforge.contracts.artifactstore.ArtifactStoreApi;
import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.contracts.artifactstore.ArtifactStoreConnection;
import dev.loraforge.contracts.artifactstore.ArtifactView;
import dev.loraforge.contracts.artifactstore.BlobTransfer;
import dev.loraforge.contracts.artifactstore.BlobView;
import dev.loraforge.contracts.artifactstore.NewArtifact;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.trainer.config.TrainerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * artifact-store through its contract (event-contracts' {@code dev.loraforge.contracts.artifactstore}):
 * registrations through the declarative {@link ArtifactStoreApi}, blobs streamed between files and
 * the network by {@link BlobTransfer}, their sha256 checked both ways. Failures that may pass (no
 * answer, 5xx, 408, 429, a damaged transfer) are retried with backoff for up to
 * {@code trainer.artifact-store-retry} behind a circuit breaker ({@link ArtifactStoreConnection}); a
 * refusal surfaces at once as an {@link ArtifactStoreException}.
 */
@ApplicationScoped
public class ArtifactStoreClient {

    private final ArtifactStoreApi api;
    private final ArtifactStoreConnection store;

    public ArtifactStoreClient(@RestClient ArtifactStoreApi api, TrainerConfig config) {
        this.api = api;
        this.store = new ArtifactStoreConnection("trainer", config.artifactStoreUrl(), config.artifactStoreRetry(),
                Duration.ofSeconds(30), Duration.ofMinutes(30));
    }

    /** Downloads a blob, read as {@code tenant} (null: a shared one), into {@code file} (replaced), checking its digest. */
    public void downloadFile(String digest, String tenant, Path file) {
        store.downloadFile(digest, tenant, file);
    }

    /**
     * Downloads a directory archive ({@link DirectoryArchive}) and extracts it into the new directory
     * {@code dir}, checking the archive's digest; on any failure {@code dir} is removed again (a blob
     * that is not an archive is a 422, never retried). Read as {@code tenant} (null: a shared model).
     */
    public void downloadDirectory(String digest, String tenant, Path dir) {
        store.downloadDirectory(digest, tenant, dir);
    }

    /** Stores one file as a blob, streamed; returns its digest and size. */
    public BlobView uploadFile(Path file) {
        return store.transfer(b -> b.put(file, null));
    }

    /** Stores {@code dir} as one deterministic tar blob, streamed; returns its digest and size. */
    public BlobView uploadDirectory(Path dir) {
        return store.transfer(b -> b.putDirectory(dir));
    }

    /** Registers an artifact (a retry with the same id and content answers the same artifact). */
    public ArtifactRef register(NewArtifact artifact) {
        ArtifactView registered = store.call(() -> api.create(artifact, artifact.tenantId()));
        return new ArtifactRef(registered.id(), registered.digest());
    }
}
