package dev.loraforge.events;

/**
 * The result of quantizing a base model (topic {@link Topics#QUANT_OUTCOME}).
 *
 * @param requestIds      every request this one quantization answers (coalesced requests)
 * @param meanAbsError    mean absolute reconstruction error over all quantized weights
 * @param tenantId        the tenant owning the base model (and so the quantized one) when it is private; null for public
 */
public record QuantizationOutcome(
        java.util.List<String> requestIds,
        ArtifactRef baseModel,
        String scheme,
        Status status,
        ArtifactRef quantizedModel,
        Long bytesBefore,
        Long bytesAfter,
        Double meanAbsError,
        Long durationMs,
        String engineVersion,
        ErrorInfo error,
        String tenantId) {

    /** Outcome status. */
    public enum Status { SUCCEEDED, FAILED }

    public QuantizationOutcome {
        Require.present(requestIds, "QuantizationOutcome", "request_ids");
        requestIds = java.util.List.copyOf(requestIds);
        Require.present(baseModel, "QuantizationOutcome", "base_model");
        Require.text(scheme, "QuantizationOutcome", "scheme");
        Require.present(status, "QuantizationOutcome", "status");
        if (status == Status.SUCCEEDED && quantizedModel == null) {
            throw new EventFormatException("QuantizationOutcome.quantized_model is required when status is SUCCEEDED");
        }
        if (status == Status.FAILED && error == null) {
            throw new EventFormatException("QuantizationOutcome.error is required when status is FAILED");
        }
    }
}
