package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.norm.Dropout;

/**
 * Causal self-attention with grouped-query heads (transformers' LlamaAttention, eager path):
 * q, k, v projections, RoPE on q and k, {@code softmax(q k^T / sqrt(d) + mask) v}, o projection.
 * GQA's repeat_kv is done without copies: the g query heads sharing one key/value head are folded
 * into the sequence axis, (B, h, T, d) -> (B, kvh, g*T, d), which gives the same scores.
 */
final class Attention {

    private final int layer;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;
    private final float dropout;
    private final Projection q;
    private final Projection k;
    private final Projection v;
    private final Projection o;

    Attention(int layer, LlamaConfig config, WeightSet w) {
        this.layer = layer;
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
        this.dropout = (float) config.attentionDropout();
        q = w.projection(WeightLayout.modulePath(layer, "q_proj"));
        k = w.projection(WeightLayout.modulePath(layer, "k_proj"));
        v = w.projection(WeightLayout.modulePath(layer, "v_proj"));
        o = w.projection(WeightLayout.modulePath(layer, "o_proj"));
    }

    /** x (B, T, H) -> (B, T, H). */
    NDArray forward(NDArray x, ForwardContext ctx) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int groups = heads / kvHeads;
        NDArray qs = ctx.project(layer, "q_proj", x, q).reshape(b, t, heads, headDim);   // (B, T, h, d)
        NDArray ks = ctx.project(layer, "k_proj", x, k).reshape(b, t, kvHeads, headDim); // (B, T, kvh, d)
        NDArray vs = ctx.project(layer, "v_proj", x, v).reshape(b, t, kvHeads, headDim); // (B, T, kvh, d)
        qs = Rope.apply(qs, ctx.rope());
        ks = Rope.apply(ks, ctx.rope());

        NDArray keysT = ks.transpose(0, 2, 3, 1);   // (B, kvh, d, T)
        NDArray values = vs.transpose(0, 2, 1, 3);  // (B, kvh, T, d)
        if (ctx.prefixFromAdapter()) {
            NDList prefix = ctx.adapter().keyValuePrefix(layer, x);                            // (B, kvh, P, d) x2
            keysT = NDArrays.concat(new NDList(prefix.get(0).transpose(0, 1, 3, 2), keysT), 3); // (B, kvh, d, P+T)
            values = NDArrays.concat(new NDList(prefix.get(1), values), 2);                     // (B, kvh, P+T, d)
        }
        if (ctx.cache() != null) {
            NDList all = ctx.cache().append(layer, keysT, values);
            keysT = all.get(0);                     // (B, kvh, d, S)
            values = all.get(1);                    // (B, kvh, S, d)
        }
        long s = keysT.getShape().get(3);

        NDArray queries = qs.mul(scale).transpose(0, 2, 1, 3)  // (B, h, T, d)
                .reshape(b, kvHeads, groups * t, headDim);      // (B, kvh, g*T, d)
        NDArray scores = queries.matMul(keysT)                  // (B, kvh, g*T, S)
                .reshape(b, kvHeads, groups, t, s)              // (B, kvh, g, T, S)
                .add(ctx.mask());                               // mask (B|1, 1, 1, T, S)
        NDArray probs = scores.softmax(4);
        if (ctx.training() && dropout > 0) {
            probs = Dropout.dropout(probs, dropout, true).singletonOrThrow();
        }
        NDArray out = probs.reshape(b, kvHeads, groups * t, s).matMul(values) // (B, kvh, g*T, d)
                .reshape(b, heads, t, headDim)                                  // (B, h, T, d)
                .transpose(0, 2, 1, 3)                                          // (B, T, h, d)
                .reshape(b, t, (long) heads * headDim);                         // (B, T, h*d)
        return ctx.project(layer, "o_proj", out, o);                    // (B, T, H)
    }
}
