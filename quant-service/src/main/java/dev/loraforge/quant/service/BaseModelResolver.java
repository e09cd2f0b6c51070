package dev.loraforge.quant.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.contracts.InvalidRequestException;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.quant.client.ArtifactStoreClient;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Finds the base model a REST request names, in artifact-store: by name, or by id checked against the
 * given digest, as the request's tenant sees them (public models, and that tenant's private ones). Refusals name the
 * request field and say how to fix it.
 */
@ApplicationScoped
public class BaseModelResolver {

    /** A base model: its artifact reference, name, and the tenant it is private to (null: public). */
    public record BaseModel(ArtifactRef ref, String name, String owner) {
    }

    private final ArtifactStoreClient store;

    public BaseModelResolver(ArtifactStoreClient store) {
        this.store = store;
    }

    /** @throws InvalidRequestException on field {@code base_model_name} when no base model has that name */
    public BaseModel byName(String name, String tenant) {
        JsonNode model = store.baseModel(name, tenant).orElseThrow(() -> new InvalidRequestException("base_model_name",
                "no base model named '" + name + "' is registered in artifact-store; list them with"
                        + " GET /api/v1/base-models there, or register it with POST /api/v1/base-models"));
        return new BaseModel(new ArtifactRef(model.path("id").asText(), model.path("digest").asText()), name,
                model.path("tenant_id").asText(null));
    }

    /** @throws InvalidRequestException on {@code base_model.id} or {@code base_model.digest} when they do not match */
    public BaseModel byId(String id, String digest, String tenant) {
        JsonNode artifact = store.artifact(id, tenant).orElseThrow(() -> new InvalidRequestException("base_model.id",
                "artifact-store has no artifact '" + id + "'; use the id of a registered base model"
                        + " (GET /api/v1/base-models on artifact-store), or give base_model_name instead"));
        if (!"base_model".equals(artifact.path("kind").asText())) {
            throw new InvalidRequestException("base_model.id", "'" + id + "' is a " + artifact.path("kind").asText()
                    + ", not a base_model; quantize a full-precision base model");
        }
        String stored = artifact.path("digest").asText();
        if (!stored.equals(digest)) {
            throw new InvalidRequestException("base_model.digest", "base model '" + id + "' has digest " + stored
                    + ", not " + digest + "; send its digest, or leave base_model out and give base_model_name");
        }
        return new BaseModel(new ArtifactRef(id, digest), artifact.path("name").asText(null),
                artifact.path("tenant_id").asText(null));
    }
}
