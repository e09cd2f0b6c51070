package dev.loraforge.events;

/**
 * Quantize a base model with a scheme (topic {@link Topics#QUANT_REQUEST}); the Kafka key is
 * {@code <base digest>/<scheme>} so that requests for the same pair meet in one partition.
 *
 * @param scheme     {@code nf4}, {@code nf4-dq} or {@code int8}
 * @param requester  who asked: {@code job:<job id>} or {@code api:<tenant>}
 */
public record QuantizationRequested(
        String requestId,
        ArtifactRef baseModel,
        String baseModelName,
        String scheme,
        String requester) {

    public QuantizationRequested {
        Require.text(requestId, "QuantizationRequested", "request_id");
        Require.present(baseModel, "QuantizationRequested", "base_model");
        Require.text(scheme, "QuantizationRequested", "scheme");
    }

    /** The Kafka key of this request: the (base digest, scheme) pair. */
    public String pairKey() {
        return baseModel.digest() + "/" + scheme;
    }
}
