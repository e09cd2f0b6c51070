package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * One pre-norm decoder block (transformers' LlamaDecoderLayer):
 * {@code h = x + attn(rmsnorm(x)); out = h + mlp(rmsnorm(h))}.
 */
final class DecoderLayer {

    private final Attention attention;
    private final Mlp mlp;
    private final NDArray inputNorm;
    private final NDArray postAttentionNorm;
    private final double eps;

    DecoderLayer(int layer, LlamaConfig config, WeightSet w) {
        this.attention = new Attention(layer, config, w);
        this.mlp = new Mlp(layer, w);
        this.inputNorm = w.dense().get("model.layers." + layer + ".input_layernorm.weight");
        this.postAttentionNorm = w.dense().get("model.layers." + layer + ".post_attention_layernorm.weight");
        this.eps = config.rmsNormEps();
    }

    /** x (B, T, H) -> (B, T, H). */
    NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray h = x.add(attention.forward(RmsNorm.apply(x, inputNorm, eps), ctx));
        return h.add(mlp.forward(RmsNorm.apply(h, postAttentionNorm, eps), ctx));
    }
}
