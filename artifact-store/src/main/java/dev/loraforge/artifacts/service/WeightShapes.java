package dev.loraforge.artifacts.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.engine.model.Family;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What config.json says the weights of a model must be, checked against the safetensors headers before a model is
 * listed: every tensor the family's decoder needs is there with the shape transformers would create for this config
 * ({@code model.embed_tokens} [vocab, hidden], per layer q/k/v/o and gate/up/down, norms, {@code lm_head} unless the
 * embeddings are tied; Phi-3's fused {@code qkv_proj}/{@code gate_up_proj}; Qwen3/Gemma 3 q/k norms; Gemma's four
 * norms), a bias has its weight's rows, no layer lies beyond {@code num_hidden_layers}, and the weights are stored
 * in the config's {@code torch_dtype}. A model that fails here would fail at its first job, after a quantization
 * and a dispatch; refused at import, nothing is registered.
 */
final class WeightShapes {

    private static final Map<String, String> TORCH_DTYPES = Map.of("float32", "F32", "float16", "F16",
            "bfloat16", "BF16");
    private static final Set<String> FLOATS = Set.of("F32", "F16", "BF16", "F64");
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\..*");
    /** At most this many problems are named in one refusal. */
    private static final int SHOWN = 8;

    private WeightShapes() {
    }

    /**
     * Every problem of {@code tensors} (all shards together) against {@code config}, for {@code family}; empty when
     * they are consistent.
     */
    static List<String> problems(JsonNode config, Family family, Map<String, SafetensorsHeader.Entry> tensors) {
        int hidden = config.path("hidden_size").asInt();
        int layers = config.path("num_hidden_layers").asInt();
        int heads = config.path("num_attention_heads").asInt();
        int kvHeads = config.has("num_key_value_heads") && !config.get("num_key_value_heads").isNull()
                ? config.get("num_key_value_heads").asInt() : heads;
        int vocab = config.path("vocab_size").asInt();
        long headDim = headDim(config, family, hidden, heads);
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put("model.embed_tokens.weight", new long[] {vocab, hidden});
        expected.put("model.norm.weight", new long[] {hidden});
        boolean tied = config.path("tie_word_embeddings").isBoolean() ? config.get("tie_word_embeddings").asBoolean()
                : family.gemma(); // transformers' defaults: Gemma ties, the others do not
        if (!tied || tensors.containsKey("lm_head.weight")) {
            expected.put("lm_head.weight", new long[] {vocab, hidden});
        }
        List<String> problems = new ArrayList<>();
        Long intermediate = intermediate(config, family, tensors, problems);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            expected.put(p + "input_layernorm.weight", new long[] {hidden});
            expected.put(p + "post_attention_layernorm.weight", new long[] {hidden});
            if (family.fusedProjections()) {
                expected.put(p + "self_attn.qkv_proj.weight", new long[] {(heads + 2L * kvHeads) * headDim, hidden});
            } else {
                expected.put(p + "self_attn.q_proj.weight", new long[] {heads * headDim, hidden});
                expected.put(p + "self_attn.k_proj.weight", new long[] {kvHeads * headDim, hidden});
                expected.put(p + "self_attn.v_proj.weight", new long[] {kvHeads * headDim, hidden});
            }
            expected.put(p + "self_attn.o_proj.weight", new long[] {hidden, heads * headDim});
            if (family.qkNorm()) {
                expected.put(p + "self_attn.q_norm.weight", new long[] {headDim});
                expected.put(p + "self_attn.k_norm.weight", new long[] {headDim});
            }
            if (family.gemma()) {
                expected.put(p + "pre_feedforward_layernorm.weight", new long[] {hidden});
                expected.put(p + "post_feedforward_layernorm.weight", new long[] {hidden});
            }
            if (intermediate != null) {
                if (family.fusedProjections()) {
                    expected.put(p + "mlp.gate_up_proj.weight", new long[] {2 * intermediate, hidden});
                } else {
                    expected.put(p + "mlp.gate_proj.weight", new long[] {intermediate, hidden});
                    expected.put(p + "mlp.up_proj.weight", new long[] {intermediate, hidden});
                }
                expected.put(p + "mlp.down_proj.weight", new long[] {hidden, intermediate});
            }
        }
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            SafetensorsHeader.Entry found = tensors.get(e.getKey());
            if (found == null) {
                problems.add("tensor '" + e.getKey() + "' is missing (config.json's " + family.modelType() + " shape needs it "
                        + Arrays.toString(e.getValue()) + ")");
            } else if (!Arrays.equals(found.shape(), e.getValue())) {
                problems.add("tensor '" + e.getKey() + "' has shape " + found.shapeText() + ", but config.json makes it "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (Map.Entry<String, SafetensorsHeader.Entry> t : tensors.entrySet()) {
            String name = t.getKey();
            Matcher layer = LAYER.matcher(name);
            if (layer.matches() && Long.parseLong(layer.group(1)) >= layers) {
                problems.add("tensor '" + name + "' belongs to layer " + layer.group(1) + ", but config.json has "
                        + layers + " layers (num_hidden_layers)");
            }
            if (name.endsWith(".bias")) {
                SafetensorsHeader.Entry weight = tensors.get(name.substring(0, name.length() - 5) + ".weight");
                if (weight != null && weight.shape().length == 2
                        && !Arrays.equals(t.getValue().shape(), new long[] {weight.shape()[0]})) {
                    problems.add("tensor '" + name + "' has shape " + t.getValue().shapeText() + ", but its weight has "
                            + weight.shape()[0] + " rows");
                }
            }
        }
        dtypeProblems(config, tensors, expected.keySet(), problems);
        return problems.size() > SHOWN ? List.copyOf(problems.subList(0, SHOWN)) : problems;
    }

    /** head_dim as transformers reads it: the config's, else the family's default, else hidden / heads. */
    private static long headDim(JsonNode config, Family family, int hidden, int heads) {
        JsonNode h = config.get("head_dim");
        if (h != null && h.isIntegralNumber() && h.asInt() > 0) {
            return h.asInt();
        }
        return switch (family) {
            case GEMMA2, GEMMA3_TEXT -> 256;
            case QWEN3 -> 128;
            default -> hidden / heads;
        };
    }

    /** intermediate_size from config.json; when absent, the up (or gate_up) projection of layer 0 says it. */
    private static Long intermediate(JsonNode config, Family family, Map<String, SafetensorsHeader.Entry> tensors,
                                     List<String> problems) {
        JsonNode i = config.get("intermediate_size");
        if (i != null && i.isIntegralNumber() && i.asLong() > 0) {
            return i.asLong();
        }
        SafetensorsHeader.Entry up = tensors.get(family.fusedProjections() ? "model.layers.0.mlp.gate_up_proj.weight"
                : "model.layers.0.mlp.up_proj.weight");
        if (up == null || up.shape().length != 2) {
            problems.add("config.json has no intermediate_size and layer 0 has no MLP projection to read it from");
            return null;
        }
        return family.fusedProjections() ? up.shape()[0] / 2 : up.shape()[0];
    }

    /** The weights are stored in torch_dtype (when config.json names one); every tensor is floating point. */
    private static void dtypeProblems(JsonNode config, Map<String, SafetensorsHeader.Entry> tensors,
                                      Set<String> weights, List<String> problems) {
        String torchDtype = config.path("torch_dtype").asText(config.path("dtype").asText(""));
        String stored = TORCH_DTYPES.get(torchDtype);
        if (!torchDtype.isEmpty() && stored == null) {
            problems.add("config.json's torch_dtype '" + torchDtype + "' is not one of " + TORCH_DTYPES.keySet());
        }
        for (Map.Entry<String, SafetensorsHeader.Entry> t : tensors.entrySet()) {
            String dtype = t.getValue().dtype();
            if (!FLOATS.contains(dtype)) {
                problems.add("tensor '" + t.getKey() + "' is " + dtype + ": a base model's weights are floating point"
                        + " (pre-quantized checkpoints are not imported; the platform quantizes bases itself)");
            } else if (stored != null && weights.contains(t.getKey()) && !dtype.equals(stored)) {
                problems.add("tensor '" + t.getKey() + "' is stored as " + dtype + ", but config.json's torch_dtype is "
                        + torchDtype + " (" + stored + ")");
            }
        }
    }
}
