package dev.loraforge.quant.rest;

/**
 * Body of {@code POST /api/v1/quantizations}: the base model, either as {@code base_model}
 * {id, digest} or as {@code base_model_name} (one of the two), and the {@code scheme}.
 */
public record QuantizeRequest(BaseModelRef baseModel, String baseModelName, String scheme) {

    /** A base model artifact of artifact-store. */
    public record BaseModelRef(String id, String digest) {
    }
}
