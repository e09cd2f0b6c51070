package dev.loraforge.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * config.json -> {@link LlamaConfig}, with the defaults of each family's transformers config class
 * (LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config, Gemma2Config, Gemma3TextConfig, Phi3Config).
 * Settings the engine does not implement are refused, naming the field and its value.
 */
final class ConfigJson {

    private ConfigJson() {
    }

    static LlamaConfig parse(JsonNode c) {
        if (!c.isObject()) {
            throw new IllegalArgumentException("config must be a JSON object");
        }
        String type = c.path("model_type").asText("");
        if (type.isEmpty()) {
            throw new IllegalArgumentException("model_type is missing; supported: " + Family.modelTypes());
        }
        Family family = Family.of(type);
        // quantization_config (bitsandbytes) is read and checked by quant.BnbQuantizationConfig when weights load
        JsonNode ropeParams = c.path("rope_parameters");
        double partialRotary = c.hasNonNull("partial_rotary_factor") ? c.get("partial_rotary_factor").asDouble()
                : ropeParams.path("partial_rotary_factor").asDouble(1.0);
        if (partialRotary != 1.0 && family != Family.PHI3) {
            throw new IllegalArgumentException("partial_rotary_factor " + partialRotary + " is not supported for " + type
                    + "; only full rotary embeddings (1.0)");
        }
        int hidden = required(c, "hidden_size");
        int heads = required(c, "num_attention_heads");
        int layers = required(c, "num_hidden_layers");
        int kvHeads = c.hasNonNull("num_key_value_heads") ? c.get("num_key_value_heads").asInt() : heads;
        int headDim;
        if (c.hasNonNull("head_dim")) {
            headDim = c.get("head_dim").asInt();
        } else if (family.gemma()) {
            headDim = 256;
        } else if (family == Family.QWEN3) {
            headDim = 128;
        } else {
            if (heads <= 0 || hidden % heads != 0) {
                throw new IllegalArgumentException("hidden_size (" + hidden + ") is not divisible by num_attention_heads ("
                        + heads + ") and head_dim is not given");
            }
            headDim = hidden / heads;
        }
        boolean gemma3 = family == Family.GEMMA3_TEXT;
        // newer transformers nest RoPE settings in rope_parameters; Gemma 3 keys them by layer type there
        JsonNode globalRope = gemma3 && ropeParams.has(LlamaConfig.FULL_ATTENTION) ? ropeParams.get(LlamaConfig.FULL_ATTENTION)
                : ropeParams;
        double defaultTheta = gemma3 ? 1_000_000.0 : 10000.0;
        double theta = c.hasNonNull("rope_theta") ? c.get("rope_theta").asDouble()
                : globalRope.path("rope_theta").asDouble(defaultTheta);
        RopeScaling scaling = RopeScaling.fromJson(c.hasNonNull("rope_scaling") ? c.get("rope_scaling")
                : (globalRope.isObject() ? globalRope : null));
        Double localTheta = null;
        if (gemma3) {
            JsonNode localRope = ropeParams.path(LlamaConfig.SLIDING_ATTENTION);
            localTheta = c.hasNonNull("rope_local_base_freq") ? c.get("rope_local_base_freq").asDouble()
                    : localRope.path("rope_theta").asDouble(10000.0);
            if (localRope.isObject() && RopeScaling.fromJson(localRope) != null) {
                throw new IllegalArgumentException("rope_parameters.sliding_attention with rope_type '"
                        + localRope.path("rope_type").asText() + "' is not supported; local layers use default RoPE");
            }
        }

        boolean qkvBias;
        boolean oBias;
        boolean mlpBias = false;
        Integer window = null;
        List<String> layerTypes = null;
        int maxPos;
        Double queryPreAttnScalar = null;
        Double attnSoftcap = null;
        Double finalSoftcap = null;
        String act;
        switch (family) {
            case QWEN2, QWEN3 -> {
                if (family == Family.QWEN2) {
                    qkvBias = true;
                    oBias = false;
                } else {
                    qkvBias = c.path("attention_bias").asBoolean(false);
                    oBias = qkvBias;
                }
                if (c.path("use_sliding_window").asBoolean(false) && c.hasNonNull("sliding_window")) {
                    window = c.get("sliding_window").asInt();
                }
                int maxWindowLayers = c.path("max_window_layers").asInt(28);
                layerTypes = readLayerTypes(c, layers);
                if (layerTypes == null) {
                    layerTypes = new ArrayList<>();
                    for (int i = 0; i < layers; i++) {
                        layerTypes.add(window != null && i >= maxWindowLayers ? LlamaConfig.SLIDING_ATTENTION
                                : LlamaConfig.FULL_ATTENTION);
                    }
                }
                if (!layerTypes.contains(LlamaConfig.SLIDING_ATTENTION)) {
                    window = null;
                }
                maxPos = c.path("max_position_embeddings").asInt(32768);
                act = c.path("hidden_act").asText("silu");
            }
            case MISTRAL, PHI3 -> {
                qkvBias = false;
                oBias = false;
                window = family == Family.MISTRAL ? Integer.valueOf(4096) : null;
                if (c.has("sliding_window")) {
                    window = c.get("sliding_window").isNull() ? null : Integer.valueOf(c.get("sliding_window").asInt());
                }
                layerTypes = readLayerTypes(c, layers);
                maxPos = c.path("max_position_embeddings").asInt(family == Family.MISTRAL ? 4096 * 32 : 4096);
                act = c.path("hidden_act").asText("silu");
                if (family == Family.PHI3) {
                    refuseNonZero(c, "resid_pdrop");
                    refuseNonZero(c, "embd_pdrop");
                    if (c.path("attention_bias").asBoolean(false)) {
                        throw new IllegalArgumentException("attention_bias true is not supported for phi3");
                    }
                }
            }
            case GEMMA2, GEMMA3_TEXT -> {
                qkvBias = c.path("attention_bias").asBoolean(false);
                oBias = qkvBias;
                window = c.path("sliding_window").asInt(4096);
                layerTypes = readLayerTypes(c, layers);
                if (layerTypes == null) {
                    int pattern = c.path("sliding_window_pattern").asInt(gemma3 ? 6 : 2);
                    if (pattern <= 0) {
                        throw new IllegalArgumentException("sliding_window_pattern must be > 0, got " + pattern);
                    }
                    layerTypes = new ArrayList<>();
                    for (int i = 0; i < layers; i++) {
                        layerTypes.add((i + 1) % pattern != 0 ? LlamaConfig.SLIDING_ATTENTION : LlamaConfig.FULL_ATTENTION);
                    }
                }
                maxPos = c.path("max_position_embeddings").asInt(gemma3 ? 131_072 : 8192);
                queryPreAttnScalar = c.path("query_pre_attn_scalar").asDouble(256);
                attnSoftcap = optionalDouble(c, "attn_logit_softcapping", gemma3 ? null : 50.0);
                finalSoftcap = optionalDouble(c, "final_logit_softcapping", gemma3 ? null : 30.0);
                act = c.hasNonNull("hidden_activation") ? c.get("hidden_activation").asText()
                        : c.path("hidden_act").asText("gelu_pytorch_tanh");
            }
            default -> {
                boolean bias = c.path("attention_bias").asBoolean(false);
                qkvBias = bias;
                oBias = bias;
                mlpBias = c.path("mlp_bias").asBoolean(false);
                maxPos = c.path("max_position_embeddings").asInt(2048);
                act = c.path("hidden_act").asText("silu");
            }
        }
        String dtype = c.hasNonNull("torch_dtype") ? c.get("torch_dtype").asText()
                : c.path("dtype").asText("float32");
        boolean tiedDefault = family.gemma();
        return new LlamaConfig(type, required(c, "vocab_size"), hidden, required(c, "intermediate_size"),
                layers, heads, kvHeads, headDim, maxPos,
                c.path("rms_norm_eps").asDouble(family == Family.PHI3 ? 1e-5 : 1e-6), theta, scaling,
                c.path("tie_word_embeddings").asBoolean(tiedDefault), qkvBias, oBias, mlpBias, window,
                c.path("attention_dropout").asDouble(0.0), dtype, optionalInt(c, "bos_token_id"),
                tokenIds(c.get("eos_token_id")), optionalInt(c, "pad_token_id"), c.path("initializer_range").asDouble(0.02),
                act, queryPreAttnScalar, layerTypes, localTheta, attnSoftcap, finalSoftcap, partialRotary);
    }

    private static List<String> readLayerTypes(JsonNode c, int layers) {
        JsonNode n = c.get("layer_types");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException("layer_types must be a list, got " + n);
        }
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static void refuseNonZero(JsonNode c, String field) {
        if (c.hasNonNull(field) && c.get(field).asDouble() != 0.0) {
            throw new IllegalArgumentException(field + " " + c.get(field) + " is not supported; only 0.0 (no dropout"
                    + " outside attention)");
        }
    }

    private static Double optionalDouble(JsonNode c, String field, Double fallback) {
        if (!c.has(field)) {
            return fallback;
        }
        return c.get(field).isNull() ? null : c.get(field).asDouble();
    }

    private static int required(JsonNode c, String field) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException(field + " is missing");
        }
        if (!n.canConvertToInt()) {
            throw new IllegalArgumentException(field + " must be an integer, got " + n);
        }
        return n.asInt();
    }

    private static Integer optionalInt(JsonNode c, String field) {
        return c.hasNonNull(field) ? c.get(field).asInt() : null;
    }

    /** An id, a list of ids, or null. */
    static List<Integer> tokenIds(JsonNode n) {
        List<Integer> ids = new ArrayList<>();
        if (n == null || n.isNull()) {
            return ids;
        }
        if (n.isArray()) {
            n.forEach(x -> ids.add(x.asInt()));
        } else {
            ids.add(n.asInt());
        }
        return ids;
    }
}
