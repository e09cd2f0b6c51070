package dev.loraforge.trainer.support;

import dev.loraforge.contracts.standin.ArtifactStoreStandIn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;

/**
 * artifact-store in the trainer's service tests: event-contracts' one stand-in ({@link ArtifactStoreStandIn},
 * with the registry's rules for the checkpoints and adapters the trainer registers). Also gives the trainer a
 * fresh scratch directory, reports every training step and heartbeats each second.
 */
public class StandInArtifactStore extends ArtifactStoreStandIn.Resource {

    /** The stand-in of this JVM's tests. */
    public static final ArtifactStoreStandIn STORE = ArtifactStoreStandIn.shared();

    @Override
    protected Map<String, String> settings(String url) {
        try {
            return Map.of(
                    "trainer.artifact-store-url", url,
                    "trainer.work-dir", Files.createTempDirectory("trainer-work").toString(),
                    "trainer.progress-interval", "0s",
                    "trainer.heartbeat-interval", "1s");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
