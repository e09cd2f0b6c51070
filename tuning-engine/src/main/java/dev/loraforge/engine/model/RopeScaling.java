package dev.loraforge.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The {@code rope_scaling} entry of config.json. Supported types only change the inverse
 * frequencies: {@code default}, {@code linear} (divide by factor) and {@code llama3} (Llama 3.1's
 * wavelength-dependent smoothing, as in transformers' {@code _compute_llama3_parameters}).
 *
 * @param type rope_type (or the older "type")
 * @param factor scaling factor
 * @param lowFreqFactor llama3 low_freq_factor
 * @param highFreqFactor llama3 high_freq_factor
 * @param originalMaxPositions llama3 original_max_position_embeddings
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositions) {

    public RopeScaling {
        switch (type) {
            case "default" -> { }
            case "linear" -> require(factor >= 1, "rope_scaling.factor must be >= 1, got " + factor);
            case "llama3" -> {
                require(factor >= 1, "rope_scaling.factor must be >= 1, got " + factor);
                require(highFreqFactor > lowFreqFactor, "rope_scaling.high_freq_factor (" + highFreqFactor
                        + ") must exceed low_freq_factor (" + lowFreqFactor + ")");
                require(originalMaxPositions > 0, "rope_scaling.original_max_position_embeddings must be > 0");
            }
            default -> throw new IllegalArgumentException("rope_scaling.rope_type '" + type
                    + "' is not supported; supported: default, linear, llama3 (or no rope_scaling)");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Parses config.json's rope_scaling object; null or JSON null means none. */
    static RopeScaling fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        String type = node.hasNonNull("rope_type") ? node.get("rope_type").asText() : node.path("type").asText("default");
        if (type.equals("default")) {
            return null;
        }
        return new RopeScaling(type, node.path("factor").asDouble(1.0), node.path("low_freq_factor").asDouble(1.0),
                node.path("high_freq_factor").asDouble(4.0), node.path("original_max_position_embeddings").asInt(8192));
    }

    void toJson(ObjectNode out) {
        out.put("rope_type", type);
        out.put("factor", factor);
        if (type.equals("llama3")) {
            out.put("low_freq_factor", lowFreqFactor);
            out.put("high_freq_factor", highFreqFactor);
            out.put("original_max_position_embeddings", originalMaxPositions);
        }
    }

    /**
     * Inverse frequencies {@code 1 / theta^(2i/d)} for i in [0, d/2), computed in float32 as
     * transformers does, then scaled by this rule ({@code scaling} may be null).
     */
    public static float[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = (float) (1.0 / Math.pow(theta, exponent));
        }
        if (scaling == null || scaling.type.equals("default")) {
            return inv;
        }
        if (scaling.type.equals("linear")) {
            for (int i = 0; i < inv.length; i++) {
                inv[i] = (float) (inv[i] / scaling.factor);
            }
            return inv;
        }
        double lowWavelen = scaling.originalMaxPositions / scaling.lowFreqFactor;
        double highWavelen = scaling.originalMaxPositions / scaling.highFreqFactor;
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            double f = inv[i];
            if (wavelen > lowWavelen) {
                f = inv[i] / scaling.factor;
            } else if (wavelen >= highWavelen) {
                double smooth = (scaling.originalMaxPositions / wavelen - scaling.lowFreqFactor)
                        / (scaling.highFreqFactor - scaling.lowFreqFactor);
                f = (1 - smooth) * inv[i] / scaling.factor + smooth * inv[i];
            }
            inv[i] = (float) f;
        }
        return inv;
    }
}
