package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Body of {@code POST /api/v1/base-models}.
 *
 * @param name a unique name, {@code NAME} or {@code ORG/NAME} (letters, digits, '.', '_' and '-'; no ':'); may be left
 *             out for a model in the Hugging Face hub cache, which is named after its repository
 * @param path absolute path of a Hugging Face model directory on the artifact-store's machine, or of a hub cache
 *             repository ({@code models--ORG--NAME}, the revision {@code refs/main} names) or snapshot
 *             ({@code models--ORG--NAME/snapshots/REVISION})
 * @param tenantId optional: the tenant the model is private to (only that tenant sees it, tunes on it and reads its
 *             quantized variants); left out, the model is public, for every tenant
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BaseModelRequest(String name, String path, String tenantId) {

    /** A public base model. */
    public BaseModelRequest(String name, String path) {
        this(name, path, null);
    }
}
