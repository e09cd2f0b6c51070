package dev.loraforge.quant.service;

import dev.loraforge.events.ArtifactRef;

/**
 * A stored quantized model and its figures.
 *
 * @param durationMs wall time of the run that produced it; null when an earlier run's artifact was adopted
 */
public record QuantizationResult(ArtifactRef quantizedModel, Long bytesBefore, Long bytesAfter, Double meanAbsError,
                                 Long durationMs, String engineVersion) {
}
