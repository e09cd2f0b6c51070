package dev.loraforge.events;

/**
 * Quantize a base model with a scheme (topic {@link Topics#QUANT_REQUEST}); the Kafka key is
 * {@code <base digest>/<scheme>} so that requests for the same pair meet in one partition.
 *
 * @param scheme     {@code nf4}, {@code nf4-dq} or {@code int8}
 * @param requester  who asked: {@code job:<job id>} or {@code api:<tenant>}
 * @param tenantId   the tenant that owns the base model when it is private to one (its quantized variant is then that
 *                   tenant's too, made and kept apart from any public variant); null for a public base model
 */
public record QuantizationRequested(
        String requestId,
        ArtifactRef baseModel,
        String baseModelName,
        String scheme,
        String requester,
        String tenantId) {

    public QuantizationRequested {
        Require.text(requestId, "QuantizationRequested", "request_id");
        Require.present(baseModel, "QuantizationRequested", "base_model");
        Require.text(scheme, "QuantizationRequested", "scheme");
    }

    /** A request for a public base model. */
    public QuantizationRequested(String requestId, ArtifactRef baseModel, String baseModelName, String scheme,
                                 String requester) {
        this(requestId, baseModel, baseModelName, scheme, requester, null);
    }

    /** The Kafka key of this request: the (base digest, scheme) pair. */
    public String pairKey() {
        return baseModel.digest() + "/" + scheme;
    }
}
