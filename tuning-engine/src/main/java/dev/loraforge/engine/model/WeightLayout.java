package dev.loraforge.engine.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face checkpoint names and shapes of a Llama-family model, in checkpoint order:
 * {@code model.embed_tokens.weight}, per layer the projections of {@link Family#projections()}
 * ({@code model.layers.N.self_attn.{q,k,v,o}_proj} and {@code model.layers.N.mlp.{gate,up,down}_proj},
 * or phi3's fused {@code self_attn.qkv_proj} and {@code mlp.gate_up_proj}), the per-head
 * {@code self_attn.{q,k}_norm} where the family has them, the layer norms (two, or Gemma's four), then
 * {@code model.norm.weight} and {@code lm_head.weight} (absent when embeddings are tied).
 * Loading, fixtures and merging all use this one list.
 */
public final class WeightLayout {

    /** The seven projection modules of separate-projection families, in PEFT/transformers order. */
    public static final List<String> PROJECTIONS = Projections.SEPARATE;

    /** phi3's four projection modules: fused q/k/v and fused gate/up. */
    public static final List<String> FUSED_PROJECTIONS = Projections.FUSED;

    /** Every projection module name of any family (the index space of per-projection tables). */
    public static final List<String> ALL_PROJECTIONS = Projections.ALL;

    private WeightLayout() {
    }

    /** {@code self_attn} or {@code mlp}: the submodule a projection belongs to. */
    public static String parentOf(String projection) {
        return switch (projection) {
            case "q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj" -> "self_attn";
            case "gate_proj", "up_proj", "down_proj", "gate_up_proj" -> "mlp";
            default -> throw new IllegalArgumentException("unknown projection '" + projection + "'; known: " + ALL_PROJECTIONS);
        };
    }

    /** {@code model.layers.N.self_attn.q_proj} and so on: the module path of one projection. */
    public static String modulePath(int layer, String projection) {
        return "model.layers." + layer + "." + parentOf(projection) + "." + projection;
    }

    /** (out_features, in_features) of a projection's weight. */
    public static long[] projectionShape(LlamaConfig c, String projection) {
        long h = c.hiddenSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        long i = c.intermediateSize();
        return switch (projection) {
            case "q_proj" -> new long[] {q, h};
            case "k_proj", "v_proj" -> new long[] {kv, h};
            case "qkv_proj" -> new long[] {q + 2 * kv, h};
            case "o_proj" -> new long[] {h, q};
            case "gate_proj", "up_proj" -> new long[] {i, h};
            case "gate_up_proj" -> new long[] {2 * i, h};
            case "down_proj" -> new long[] {h, i};
            default -> throw new IllegalArgumentException("unknown projection '" + projection + "'");
        };
    }

    /** True when this projection carries a bias in this architecture. */
    public static boolean hasBias(LlamaConfig c, String projection) {
        return switch (projection) {
            case "q_proj", "k_proj", "v_proj" -> c.qkvBias();
            case "o_proj" -> c.oBias();
            case "qkv_proj", "gate_up_proj" -> false;
            default -> c.mlpBias();
        };
    }

    /** The norms of one layer, by their name under {@code model.layers.N.}. */
    public static List<String> layerNorms(LlamaConfig c) {
        return c.family().gemma()
                ? List.of("input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm")
                : List.of("input_layernorm", "post_attention_layernorm");
    }

    /** Every tensor of the checkpoint with its shape, in checkpoint order. */
    public static Map<String, long[]> of(LlamaConfig c) {
        Map<String, long[]> out = new LinkedHashMap<>();
        long h = c.hiddenSize();
        out.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            for (String p : c.projections()) {
                long[] shape = projectionShape(c, p);
                out.put(modulePath(l, p) + ".weight", shape);
                if (hasBias(c, p)) {
                    out.put(modulePath(l, p) + ".bias", new long[] {shape[0]});
                }
            }
            if (c.family().qkNorm()) {
                out.put("model.layers." + l + ".self_attn.q_norm.weight", new long[] {c.headDim()});
                out.put("model.layers." + l + ".self_attn.k_norm.weight", new long[] {c.headDim()});
            }
            for (String norm : layerNorms(c)) {
                out.put("model.layers." + l + "." + norm + ".weight", new long[] {h});
            }
        }
        out.put("model.norm.weight", new long[] {h});
        if (!c.tieWordEmbeddings()) {
            out.put("lm_head.weight", new long[] {c.vocabSize(), h});
        }
        return out;
    }

    /** True for a norm weight (ones at init, or zeros where the family computes x·(1+w)). */
    public static boolean isNorm(String name) {
        return name.endsWith("layernorm.weight") || name.equals("model.norm.weight") || name.endsWith("_norm.weight");
    }

    /** Tensors that some checkpoints carry and the computation does not need (rotary inv_freq, a tied lm_head). */
    public static boolean isIgnorable(String name, LlamaConfig config) {
        return name.endsWith(".rotary_emb.inv_freq") || (config.tieWordEmbeddings() && name.equals("lm_head.weight"));
    }

    /**
     * Whether {@code name} is a weight a training load keeps in its stored 16-bit type: a projection weight,
     * the token embedding or the LM head (norms and biases, a few thousand values each, become float32).
     */
    public static boolean isKeptInStoredPrecision(String name) {
        return isProjectionWeight(name) || name.equals("model.embed_tokens.weight") || name.equals("lm_head.weight");
    }

    /** True for {@code model.layers.N.<parent>.<proj>.weight}: the weights that quantization applies to. */
    public static boolean isProjectionWeight(String name) {
        return name.startsWith("model.layers.") && ALL_PROJECTIONS.stream().anyMatch(p -> name.endsWith("." + p + ".weight"));
    }
}
