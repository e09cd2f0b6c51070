package dev.loraforge.inference.support;

import dev.loraforge.contracts.standin.ArtifactStoreStandIn;
import dev.loraforge.events.DirectoryArchive;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * artifact-store in inference-service's tests: event-contracts' one stand-in ({@link ArtifactStoreStandIn}),
 * holding the {@link Fixtures} (built before Quarkus starts) as directory archives, as the real store
 * holds models and adapters; its download counts tell how often a model was fetched.
 */
public class StandInArtifactStore extends ArtifactStoreStandIn.Resource {

    /** The stand-in of this JVM's tests. */
    public static final ArtifactStoreStandIn STORE = ArtifactStoreStandIn.shared();

    @Override
    protected Map<String, String> settings(String url) {
        try {
            Fixtures.prepare(STORE);
            return Map.of("inference.artifact-store-url", url,
                    "inference.work-dir", Files.createTempDirectory("inference-work").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A new blob holding the archive {@code digest}'s directory plus a note (so another digest), readable by
     * {@code tenant} only, as a tenant's adapter is; returns its digest.
     */
    public static String putOwnedCopy(String digest, String tenant) throws IOException {
        Path dir = Files.createTempDirectory("owned-copy").resolve("adapter");
        DirectoryArchive.extract(new ByteArrayInputStream(STORE.blobBytes(digest)), dir);
        Files.writeString(dir.resolve("README.md"), "a copy owned by " + tenant + "\n");
        String copy = STORE.putDirectory(dir);
        STORE.own(copy, tenant);
        return copy;
    }
}
