package dev.loraforge.artifacts.config;

import dev.loraforge.artifacts.storage.BlobStorage;
import dev.loraforge.artifacts.storage.FileSystemBlobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Chooses the blob storage: the filesystem under {@code artifacts.storage-dir}. An object store
 * would be another {@link BlobStorage} implementation selected here.
 */
@ApplicationScoped
public class BlobStorageProducer {

    @Produces
    @Singleton
    BlobStorage blobStorage(ArtifactStoreConfig config) {
        try {
            return new FileSystemBlobStorage(config.storageDir(), config.maxBlobSize().asLongValue());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the blob storage directory " + config.storageDir()
                    + " (artifacts.storage-dir): " + e.getMessage(), e);
        }
    }
}
