package dev.loraforge.quant.support;

import dev.loraforge.contracts.standin.ArtifactStoreStandIn;
import java.util.Map;

/**
 * artifact-store in quant-service's tests: event-contracts' one stand-in ({@link ArtifactStoreStandIn}),
 * whose counters tell how often a model was uploaded and registered, that is quantized.
 */
public class StandInArtifactStore extends ArtifactStoreStandIn.Resource {

    /** The stand-in of this JVM's tests. */
    public static final ArtifactStoreStandIn STORE = ArtifactStoreStandIn.shared();

    @Override
    protected Map<String, String> settings(String url) {
        return Map.of("quant.artifact-store-url", url);
    }
}
