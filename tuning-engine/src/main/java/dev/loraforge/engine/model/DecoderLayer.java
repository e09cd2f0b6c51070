package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * One pre-norm decoder block (transformers' LlamaDecoderLayer):
 * {@code h = x + attn(norm(x)); out = h + mlp(norm(h))}. Gemma wraps each sublayer in two norms
 * (Gemma2DecoderLayer): {@code h = x + postAttnNorm(attn(inputNorm(x)));
 * out = h + postFfnNorm(mlp(preFfnNorm(h)))}.
 */
final class DecoderLayer {

    private final Attention attention;
    private final Mlp mlp;
    private final NDArray inputNorm;
    private final NDArray postAttentionNorm;
    private final NDArray preFeedforwardNorm;   // Gemma only, else null
    private final NDArray postFeedforwardNorm;  // Gemma only, else null
    private final double eps;

    DecoderLayer(int layer, LlamaConfig config, WeightSet w) {
        Family family = config.family();
        String p = "model.layers." + layer + ".";
        this.attention = new Attention(layer, config, w);
        this.mlp = new Mlp(layer, config, w);
        this.inputNorm = RmsNorm.effectiveWeight(w.dense().get(p + "input_layernorm.weight"), family);
        this.postAttentionNorm = RmsNorm.effectiveWeight(w.dense().get(p + "post_attention_layernorm.weight"), family);
        if (family.gemma()) {
            this.preFeedforwardNorm = RmsNorm.gemmaWeight(w.dense().get(p + "pre_feedforward_layernorm.weight"));
            this.postFeedforwardNorm = RmsNorm.gemmaWeight(w.dense().get(p + "post_feedforward_layernorm.weight"));
        } else {
            this.preFeedforwardNorm = null;
            this.postFeedforwardNorm = null;
        }
        this.eps = config.rmsNormEps();
    }

    /** x (B, T, H) -> (B, T, H). */
    NDArray forward(NDArray x, ForwardContext ctx) {
        if (preFeedforwardNorm == null) {
            NDArray h = x.add(attention.forward(RmsNorm.apply(x, inputNorm, eps), ctx));
            return h.add(mlp.forward(RmsNorm.apply(h, postAttentionNorm, eps), ctx));
        }
        NDArray attn = attention.forward(RmsNorm.apply(x, inputNorm, eps), ctx);             // (B, T, H)
        NDArray h = x.add(RmsNorm.apply(attn, postAttentionNorm, eps));
        NDArray ffn = mlp.forward(RmsNorm.apply(h, preFeedforwardNorm, eps), ctx);           // (B, T, H)
        return h.add(RmsNorm.apply(ffn, postFeedforwardNorm, eps));
    }
}
