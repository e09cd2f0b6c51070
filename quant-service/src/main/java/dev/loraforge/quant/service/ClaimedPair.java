package dev.loraforge.quant.service;

import dev.loraforge.quant.repository.Quantization;

/** A pair this process now runs: what the pipeline needs from its row. */
public record ClaimedPair(Quantization.Key key, String baseId, String baseName, int attempt) {

    public String baseDigest() {
        return key.baseDigest();
    }

    public String scheme() {
        return key.scheme();
    }
}
