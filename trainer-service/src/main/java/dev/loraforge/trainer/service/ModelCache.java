package dev.loraforge.trainer.service;

import dev.loraforge.events.ArtifactRef;
import dev.loraforge.trainer.client.ArtifactStoreClient;
import dev.loraforge.trainer.client.FileTrees;
import dev.loraforge.trainer.config.TrainerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Unpacked model directories under {@code work-dir/models/<sha256 hex>}, reused by later jobs. A
 * model is downloaded into a temporary directory and renamed into place when complete, so a
 * directory under its digest is always whole, also when several processes share the work dir.
 */
@ApplicationScoped
public class ModelCache {

    private static final Logger LOG = Logger.getLogger(ModelCache.class);

    private final ArtifactStoreClient store;
    private final Path root;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public ModelCache(ArtifactStoreClient store, TrainerConfig config) {
        this.store = store;
        this.root = config.workDir().resolve("models");
    }

    /**
     * The unpacked directory of the model archive {@code ref}, downloaded on first use, read as {@code tenant} (the
     * job's: a public model, or one private to it). A directory here is reused for any later job naming the same
     * digest: job-api only dispatches a job with a model its tenant may use.
     */
    public Path get(ArtifactRef ref, String tenant) {
        String hex = ref.digest().substring("sha256:".length());
        Path dir = root.resolve(hex);
        synchronized (locks.computeIfAbsent(hex, k -> new Object())) {
            if (Files.isDirectory(dir)) {
                return dir;
            }
            Path partial = root.resolve("." + hex + "." + UUID.randomUUID() + ".partial");
            try {
                Files.createDirectories(root);
                LOG.infof("downloading model %s (%s) into %s", ref.id(), ref.digest(), dir);
                store.downloadDirectory(ref.digest(), tenant, partial);
                try {
                    Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                    LOG.debugf("model %s was unpacked by another process meanwhile", hex); // theirs is as good
                }
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot place model " + ref.id() + " in " + root + ": " + e.getMessage(), e);
            } finally {
                try {
                    if (Files.exists(partial)) {
                        FileTrees.delete(partial);
                    }
                } catch (IOException e) {
                    LOG.warnf("cannot remove %s: %s", partial, e.getMessage());
                }
            }
        }
    }
}
