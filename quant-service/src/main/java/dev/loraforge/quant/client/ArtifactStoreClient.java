package dev.loraforge.quant.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.contracts.artifactstore.ArtifactStoreApi;
import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.contracts.artifactstore.ArtifactStoreConnection;
import dev.loraforge.contracts.artifactstore.BlobTransfer;
import dev.loraforge.contracts.artifactstore.BlobView;
import dev.loraforge.contracts.artifactstore.NewArtifact;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.quant.config.QuantConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * artifact-store through its contract (event-contracts' {@code dev.loraforge.contracts.artifactstore}):
 * JSON calls through the declarative {@link ArtifactStoreApi}, blobs streamed by {@link BlobTransfer}
 * with their sha256 checked both ways. Failures that may pass (no answer, 5xx, 408, 429, a damaged
 * transfer) are retried with backoff for up to {@code quant.artifact-store-retry}, behind a circuit
 * breaker ({@link ArtifactStoreConnection}); a refusal surfaces at once as an {@link ArtifactStoreException}.
 */
@ApplicationScoped
public class ArtifactStoreClient {

    private final ArtifactStoreConnection store;
    private final ArtifactStoreApi api;
    private final ObjectMapper json;

    public ArtifactStoreClient(QuantConfig config, @RestClient ArtifactStoreApi api, ObjectMapper json) {
        this.store = new ArtifactStoreConnection("quant", config.artifactStoreUrl(), config.artifactStoreRetry(),
                Duration.ofSeconds(30), Duration.ofMinutes(30));
        this.api = api;
        this.json = json;
    }

    /**
     * {@code GET /api/v1/artifacts/{id}} as its contract JSON, read as {@code tenant} (null: public base and quantized
     * models only; a tenant also sees the models private to it); empty on 404.
     */
    public Optional<JsonNode> artifact(String id, String tenant) {
        return store.lookup(() -> api.artifact(id, tenant)).map(json::valueToTree);
    }

    /** {@code GET /api/v1/base-models/{name}} as its contract JSON, read as {@code tenant}; empty on 404. */
    public Optional<JsonNode> baseModel(String name, String tenant) {
        return store.lookup(() -> api.baseModel(name, tenant)).map(json::valueToTree);
    }

    /**
     * Downloads a directory archive ({@link DirectoryArchive}) and extracts it into the new directory
     * {@code dir}, checking the digest of what arrived; on any failure {@code dir} is removed again.
     *
     * @throws DirectoryArchive.ArchiveException the blob is not a readable directory archive
     * @throws ArtifactStoreException            the blob is missing (404) or could not be fetched
     */
    public void downloadDirectory(String digest, String tenant, Path dir) throws DirectoryArchive.ArchiveException {
        try {
            store.download(b -> b.downloadDirectory(digest, tenant, dir)); // tenant: the owner of a private model
        } catch (ArtifactStoreException e) {
            if (e.getCause() instanceof DirectoryArchive.ArchiveException archive) {
                throw archive;
            }
            throw e;
        }
    }

    /** Stores {@code dir} as one deterministic tar, streamed; artifact-store checks the digest computed first. */
    public BlobView uploadDirectory(Path dir) {
        return store.transfer(b -> b.putDirectory(dir));
    }

    /**
     * {@code POST /api/v1/artifacts} with {@code artifact} (a {@link NewArtifact} as JSON): the answer
     * as its contract JSON, whether created or already registered with the same content. A 409 (the
     * id is taken by other content) surfaces as an {@link ArtifactStoreException}.
     */
    public JsonNode register(JsonNode artifact) {
        NewArtifact body;
        try {
            body = json.treeToValue(artifact, NewArtifact.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an artifact registration: " + e.getOriginalMessage(), e);
        }
        return json.valueToTree(store.call(() -> api.create(body, body.tenantId())));
    }

    /** Removes a directory tree (quietly: a leftover in the scratch directory is harmless). */
    public static void deleteTree(Path dir) {
        BlobTransfer.deleteTree(dir);
    }
}
