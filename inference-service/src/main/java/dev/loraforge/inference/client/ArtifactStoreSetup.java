package dev.loraforge.inference.client;

import dev.loraforge.contracts.artifactstore.ArtifactStoreConnection;
import dev.loraforge.inference.config.InferenceConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * artifact-store's blobs for inference-service, through the shared contract ({@link ArtifactStoreConnection}):
 * directory archives streamed straight into a directory with their sha256 checked on the way (a mismatch
 * removes the directory again), dataset files, and whether a tenant may read a blob. Failures that may pass
 * are retried for {@code inference.artifact-store-retry}.
 */
public class ArtifactStoreSetup {

    @Produces
    @Singleton
    ArtifactStoreConnection artifactStore(InferenceConfig config) {
        return new ArtifactStoreConnection("inference", config.artifactStoreUrl(), config.artifactStoreRetry(),
                Duration.ofSeconds(30), Duration.ofMinutes(30));
    }
}
