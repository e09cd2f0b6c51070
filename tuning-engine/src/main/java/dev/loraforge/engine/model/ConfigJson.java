package dev.loraforge.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** config.json -> {@link LlamaConfig}, with the defaults of each transformers config class. */
final class ConfigJson {

    private ConfigJson() {
    }

    static LlamaConfig parse(JsonNode c) {
        if (!c.isObject()) {
            throw new IllegalArgumentException("config must be a JSON object");
        }
        String type = c.path("model_type").asText("");
        if (type.isEmpty()) {
            throw new IllegalArgumentException("model_type is missing; supported: llama, mistral, qwen2");
        }
        if (!LlamaConfig.MODEL_TYPES.contains(type)) {
            throw new IllegalArgumentException("model_type '" + type + "' is not supported; supported: llama, mistral, qwen2");
        }
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException("hidden_act '" + act + "' is not supported; only silu (SwiGLU)");
        }
        // quantization_config (bitsandbytes) is read and checked by quant.BnbQuantizationConfig when weights load
        if (c.hasNonNull("partial_rotary_factor") && c.get("partial_rotary_factor").asDouble() != 1.0) {
            throw new IllegalArgumentException("partial_rotary_factor " + c.get("partial_rotary_factor")
                    + " is not supported; only full rotary embeddings (1.0)");
        }
        int hidden = required(c, "hidden_size");
        int heads = required(c, "num_attention_heads");
        int kvHeads = c.hasNonNull("num_key_value_heads") ? c.get("num_key_value_heads").asInt() : heads;
        int headDim;
        if (c.hasNonNull("head_dim")) {
            headDim = c.get("head_dim").asInt();
        } else {
            if (heads <= 0 || hidden % heads != 0) {
                throw new IllegalArgumentException("hidden_size (" + hidden + ") is not divisible by num_attention_heads ("
                        + heads + ") and head_dim is not given");
            }
            headDim = hidden / heads;
        }
        JsonNode ropeParams = c.path("rope_parameters");
        double theta = c.hasNonNull("rope_theta") ? c.get("rope_theta").asDouble()
                : ropeParams.path("rope_theta").asDouble(10000.0);
        RopeScaling scaling = RopeScaling.fromJson(c.hasNonNull("rope_scaling") ? c.get("rope_scaling")
                : (ropeParams.isObject() ? ropeParams : null));

        boolean qkvBias;
        boolean oBias;
        boolean mlpBias = false;
        Integer window = null;
        int maxPos;
        switch (type) {
            case "qwen2" -> {
                qkvBias = true;
                oBias = false;
                if (c.path("use_sliding_window").asBoolean(false)) {
                    int layers = required(c, "num_hidden_layers");
                    int maxWindowLayers = c.path("max_window_layers").asInt(28);
                    if (maxWindowLayers < layers) {
                        throw new IllegalArgumentException("use_sliding_window with max_window_layers (" + maxWindowLayers
                                + ") < num_hidden_layers (" + layers + ") mixes window and full layers: not supported");
                    }
                    window = c.path("sliding_window").asInt(4096);
                }
                maxPos = c.path("max_position_embeddings").asInt(32768);
            }
            case "mistral" -> {
                qkvBias = false;
                oBias = false;
                window = 4096;
                if (c.has("sliding_window")) {
                    window = c.get("sliding_window").isNull() ? null : Integer.valueOf(c.get("sliding_window").asInt());
                }
                maxPos = c.path("max_position_embeddings").asInt(4096 * 32);
            }
            default -> {
                boolean bias = c.path("attention_bias").asBoolean(false);
                qkvBias = bias;
                oBias = bias;
                mlpBias = c.path("mlp_bias").asBoolean(false);
                maxPos = c.path("max_position_embeddings").asInt(2048);
            }
        }
        String dtype = c.hasNonNull("torch_dtype") ? c.get("torch_dtype").asText()
                : c.path("dtype").asText("float32");
        return new LlamaConfig(type, required(c, "vocab_size"), hidden, required(c, "intermediate_size"),
                required(c, "num_hidden_layers"), heads, kvHeads, headDim, maxPos,
                c.path("rms_norm_eps").asDouble(1e-6), theta, scaling, c.path("tie_word_embeddings").asBoolean(false),
                qkvBias, oBias, mlpBias, window, c.path("attention_dropout").asDouble(0.0), dtype,
                optionalInt(c, "bos_token_id"), tokenIds(c.get("eos_token_id")), optionalInt(c, "pad_token_id"),
                c.path("initializer_range").asDouble(0.02));
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
