package dev.loraforge.jobapi.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.contracts.artifactstore.ArtifactKind;
import dev.loraforge.contracts.artifactstore.ArtifactStoreApi;
import dev.loraforge.contracts.artifactstore.ArtifactStoreException;
import dev.loraforge.contracts.artifactstore.ArtifactStoreConnection;
import dev.loraforge.contracts.artifactstore.ArtifactView;
import dev.loraforge.contracts.artifactstore.BaseModelRequest;
import dev.loraforge.contracts.artifactstore.BlobTransfer;
import dev.loraforge.contracts.artifactstore.BlobView;
import dev.loraforge.contracts.artifactstore.CompleteModelUpload;
import dev.loraforge.contracts.artifactstore.ModelUploadRequest;
import dev.loraforge.contracts.artifactstore.ModelUploadView;
import dev.loraforge.contracts.artifactstore.NewArtifact;
import dev.loraforge.contracts.artifactstore.ParentRef;
import dev.loraforge.jobapi.config.JobApiConfig;
import dev.loraforge.jobapi.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * artifact-store through its contract (event-contracts' {@code dev.loraforge.contracts.artifactstore}):
 * JSON calls through the declarative {@link ArtifactStoreApi}, blobs streamed from and to files by
 * {@link BlobTransfer}, never whole in the heap. A failure that may pass is retried briefly
 * ({@code jobapi.artifact-store-retry}, a request is waiting) behind a circuit breaker; then the
 * caller gets a 503 in OpenAI's shape and nothing is recorded. A refusal by artifact-store (a 4xx)
 * is passed on as a 400 with its reason.
 */
@ApplicationScoped
public class ArtifactStoreClient {

    /** A base model of the registry; {@code modelType} is its config.json model_type (null if unrecorded). */
    /** A base model; {@code tenantId} the tenant it is private to, null when public. */
    public record BaseModel(String id, String name, String digest, long createdAt, String modelType, String tenantId) {
    }

    /** A stored blob. */
    public record Blob(String digest, long size) {
    }

    /** An artifact of the registry, as far as job-api needs it. */
    public record Artifact(String id, String digest) {
    }

    private final ArtifactStoreApi api;
    private final ArtifactStoreConnection store;
    private final ObjectMapper json;

    public ArtifactStoreClient(@RestClient ArtifactStoreApi api, JobApiConfig config, ObjectMapper json) {
        this.api = api;
        this.json = json;
        this.store = new ArtifactStoreConnection("jobapi", config.artifactStoreUrl(), config.artifactStoreRetry(),
                Duration.ofSeconds(10), Duration.ofMinutes(10));
    }

    public Blob putBlob(Path file) {
        BlobView blob = transfer(b -> b.put(file, null));
        return new Blob(blob.digest(), blob.size());
    }

    /**
     * Registers an artifact under the client-chosen {@code id} (so a retried call answers the same
     * artifact instead of making a second one); returns its id.
     */
    public String registerArtifact(String id, String kind, String name, String digest, String tenantId, String jobId,
                                   Map<String, Object> metadata, List<Map<String, String>> parents) {
        String prefix = ArtifactKind.fromWire(kind).map(ArtifactKind::idPrefix)
                .orElseThrow(() -> new IllegalArgumentException("no artifact kind " + kind));
        NewArtifact body = new NewArtifact(prefix + "-" + id, kind, name, digest, tenantId, jobId,
                metadata == null ? Map.of() : metadata,
                parents == null ? List.of() : parents.stream().map(p -> new ParentRef(p.get("id"), p.get("relation"))).toList());
        return call(() -> api.create(body, tenantId)).id();
    }

    /**
     * The base model registered under {@code name}, when {@code tenant} may use it (a public one, or one private to
     * it). A registered base model never changes (its name is unique, its artifact immutable), so one found is kept
     * for {@link #BASE_MODEL_TTL} and a create does not ask artifact-store each time; an unknown name is asked every
     * time, so a new registration is seen at once.
     */
    public Optional<BaseModel> baseModel(String name, String tenant) {
        long now = System.nanoTime();
        String key = tenant + "\n" + name;
        KnownBase known = knownBases.get(key);
        if (known != null && now - known.until() < 0) {
            return Optional.of(known.model());
        }
        Optional<BaseModel> found = lookup(() -> api.baseModel(name, tenant)).map(ArtifactStoreClient::baseModel);
        found.ifPresentOrElse(m -> knownBases.put(key, new KnownBase(m, now + BASE_MODEL_TTL.toNanos())),
                () -> knownBases.remove(key));
        return found;
    }

    /** How long a base model found by name is used without asking artifact-store again. */
    static final Duration BASE_MODEL_TTL = Duration.ofSeconds(10);

    private record KnownBase(BaseModel model, long until) {
    }

    private final java.util.Map<String, KnownBase> knownBases = new java.util.concurrent.ConcurrentHashMap<>();

    /** The base models {@code tenant} may use: the public ones and its private ones, newest first. */
    public List<BaseModel> baseModels(String tenant) {
        return call(() -> api.baseModels(tenant, null)).stream().map(ArtifactStoreClient::baseModel).toList();
    }

    /**
     * The quantized variant of a base model with a scheme, if artifact-store has it; read as {@code tenant}, which
     * sees the variants of public base models and of its own private ones.
     */
    public Optional<Artifact> quantizedVariant(String baseId, String scheme, String tenant) {
        return call(() -> api.artifacts(ArtifactKind.QUANTIZED_MODEL.wireName(), tenant, null, null, baseId,
                null, scheme, null, null)).stream().findFirst().map(a -> new Artifact(a.id(), a.digest()));
    }

    /**
     * The lineage of an artifact as artifact-store answers it ({@code root}, {@code nodes},
     * {@code edges}; ancestors), read as {@code tenantId} (another tenant's artifact is empty).
     */
    public Optional<JsonNode> lineage(String artifactId, String tenantId) {
        return lookup(() -> api.lineage(artifactId, "ancestors", tenantId)).map(json::valueToTree);
    }

    /** The blob's bytes, read as {@code tenantId} (artifact-store serves a tenant its own blobs only); the caller closes it. */
    public InputStream openBlob(String digest, String tenantId) {
        return transfer(b -> b.open(digest, tenantId));
    }

    /** The blob, or the part of it that {@code range} (an HTTP Range header, null for all) asks for, as {@link #openBlob}. */
    public dev.loraforge.contracts.RangedStream openBlob(String digest, String tenantId, String range) {
        return transfer(b -> b.open(digest, tenantId, range));
    }

    /**
     * Registers a base model from a directory on artifact-store's machine (or a hub cache repository or snapshot there;
     * {@code name} null: named after the repository). Refusals keep artifact-store's status and reason.
     */
    public ArtifactView importBaseModel(String name, String path, String tenant) {
        knownBases.clear();
        return passedOn(() -> store.call(() -> api.registerBaseModel(new BaseModelRequest(name, path, tenant))));
    }

    /** Every base model, public and private, with artifact-store's metadata (config summary, files, revision). */
    public List<ArtifactView> baseModelArtifacts() {
        return call(() -> api.baseModels(null, true));
    }

    public ModelUploadView createModelUpload(ModelUploadRequest request) {
        return passedOn(() -> store.call(() -> api.createModelUpload(request)));
    }

    public ModelUploadView modelUpload(String id) {
        return passedOn(() -> store.call(() -> api.modelUpload(id)));
    }

    /**
     * One part, sent from {@code body} ({@code length} bytes), which must give the same bytes again: a transfer that
     * gets no answer is sent again for a while (a part sent twice is harmless: complete names the parts it joins).
     */
    public ModelUploadView.Part putModelUploadPart(String id, Supplier<InputStream> body, long length) {
        return passedOn(() -> store.transfer(b -> b.putUploadPart(id, body, length)));
    }

    public ModelUploadView completeModelUpload(String id, List<String> partIds) {
        knownBases.clear();
        return passedOn(() -> api.completeModelUpload(id, new CompleteModelUpload(partIds)));
    }

    public ModelUploadView cancelModelUpload(String id) {
        return passedOn(() -> store.call(() -> api.cancelModelUpload(id)));
    }

    /**
     * An operator's call: artifact-store's refusals (400, 404, 409, 413) keep their status and reason; no answer is
     * a 503.
     */
    private static <T> T passedOn(Supplier<T> call) {
        try {
            return call.get();
        } catch (ArtifactStoreException e) {
            if (List.of(400, 404, 409, 413).contains(e.status())) {
                throw new ApiException(e.status(), "invalid_request_error", e.getMessage(), null, switch (e.status()) {
                    case 404 -> "not_found";
                    case 409 -> "conflict";
                    case 413 -> "too_large";
                    default -> "invalid_request";
                });
            }
            throw refusedOrUnavailable(e);
        }
    }

    /** A lookup that answers empty on 404. */
    private <T> Optional<T> lookup(Supplier<T> call) {
        try {
            return store.lookup(call);
        } catch (ArtifactStoreException e) {
            throw refusedOrUnavailable(e);
        }
    }

    private <T> T call(Supplier<T> call) {
        try {
            return store.call(call);
        } catch (ArtifactStoreException e) {
            throw refusedOrUnavailable(e);
        }
    }

    private <T> T transfer(Function<BlobTransfer, T> transfer) {
        try {
            return store.transfer(transfer);
        } catch (ArtifactStoreException e) {
            throw refusedOrUnavailable(e);
        }
    }

    private static ApiException refusedOrUnavailable(ArtifactStoreException e) {
        if (!e.retryable() && !e.notFound()) {
            return new ApiException(400, "invalid_request_error", "The artifact store refused the request: "
                    + e.getMessage() + ". Nothing was stored.", null, "artifact_store_refused");
        }
        // unreachable, failing, or missing what job-api recorded it has: not the caller's doing
        return new ApiException(503, "server_error", "The artifact store is unavailable (" + e.getMessage()
                + "); nothing was stored. Retry shortly.", null, "artifact_store_unavailable");
    }

    private static BaseModel baseModel(ArtifactView a) {
        Object type = a.metadata() == null ? null : a.metadata().get("model_type");
        return new BaseModel(a.id(), a.name(), a.digest(), a.createdAt() == null ? 0 : a.createdAt().toEpochSecond(),
                type instanceof String s ? s : null, a.tenantId());
    }
}
