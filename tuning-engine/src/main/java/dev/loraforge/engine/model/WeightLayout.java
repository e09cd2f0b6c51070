package dev.loraforge.engine.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face checkpoint names and shapes of a Llama-family model, in checkpoint order:
 * {@code model.embed_tokens.weight}, per layer {@code model.layers.N.self_attn.{q,k,v,o}_proj},
 * {@code model.layers.N.mlp.{gate,up,down}_proj}, the two layer norms, then
 * {@code model.norm.weight} and {@code lm_head.weight} (absent when embeddings are tied).
 * Loading, fixtures and merging all use this one list.
 */
public final class WeightLayout {

    /** The seven projection modules, in PEFT/transformers order. */
    public static final List<String> PROJECTIONS =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    private WeightLayout() {
    }

    /** {@code self_attn} or {@code mlp}: the submodule a projection belongs to. */
    public static String parentOf(String projection) {
        return switch (projection) {
            case "q_proj", "k_proj", "v_proj", "o_proj" -> "self_attn";
            case "gate_proj", "up_proj", "down_proj" -> "mlp";
            default -> throw new IllegalArgumentException("unknown projection '" + projection + "'; known: " + PROJECTIONS);
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
            case "o_proj" -> new long[] {h, q};
            case "gate_proj", "up_proj" -> new long[] {i, h};
            case "down_proj" -> new long[] {h, i};
            default -> throw new IllegalArgumentException("unknown projection '" + projection + "'");
        };
    }

    /** True when this projection carries a bias in this architecture. */
    public static boolean hasBias(LlamaConfig c, String projection) {
        return switch (projection) {
            case "q_proj", "k_proj", "v_proj" -> c.qkvBias();
            case "o_proj" -> c.oBias();
            default -> c.mlpBias();
        };
    }

    /** Every tensor of the checkpoint with its shape, in checkpoint order. */
    public static Map<String, long[]> of(LlamaConfig c) {
        Map<String, long[]> out = new LinkedHashMap<>();
        long h = c.hiddenSize();
        out.put("model.embed_tokens.weight", new long[] {c.vocabSize(), h});
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            for (String p : PROJECTIONS) {
                long[] shape = projectionShape(c, p);
                out.put(modulePath(l, p) + ".weight", shape);
                if (hasBias(c, p)) {
                    out.put(modulePath(l, p) + ".bias", new long[] {shape[0]});
                }
            }
            out.put("model.layers." + l + ".input_layernorm.weight", new long[] {h});
            out.put("model.layers." + l + ".post_attention_layernorm.weight", new long[] {h});
        }
        out.put("model.norm.weight", new long[] {h});
        if (!c.tieWordEmbeddings()) {
            out.put("lm_head.weight", new long[] {c.vocabSize(), h});
        }
        return out;
    }

    /** True for a norm weight (initialised to ones by transformers). */
    public static boolean isNorm(String name) {
        return name.endsWith("layernorm.weight") || name.equals("model.norm.weight");
    }

    /** Tensors that some checkpoints carry and the computation does not need (rotary inv_freq, a tied lm_head). */
    public static boolean isIgnorable(String name, LlamaConfig config) {
        return name.endsWith(".rotary_emb.inv_freq") || (config.tieWordEmbeddings() && name.equals("lm_head.weight"));
    }

    /** True for {@code model.layers.N.<parent>.<proj>.weight}: the weights that quantization applies to. */
    public static boolean isProjectionWeight(String name) {
        return name.startsWith("model.layers.") && PROJECTIONS.stream().anyMatch(p -> name.endsWith("." + p + ".weight"));
    }
}
