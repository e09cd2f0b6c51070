package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.norm.Dropout;

/**
 * Causal self-attention with grouped-query heads (transformers' LlamaAttention, eager path):
 * q, k, v projections, RoPE on q and k, {@code softmax(q k^T * scale + mask) v}, o projection.
 * GQA's repeat_kv is done without copies: the g query heads sharing one key/value head are folded
 * into the sequence axis, (B, h, T, d) -> (B, kvh, g*T, d), which gives the same scores.
 *
 * <p>Family differences: phi3 projects q, k and v with one fused {@code qkv_proj} (q rows, then k,
 * then v); qwen3 and gemma3 normalise each query and key head with RMSNorm before RoPE; Gemma scales
 * by query_pre_attn_scalar^-1/2 and gemma2 soft-caps the scores; sliding layers use their own mask
 * (and, in gemma3, their own RoPE table).
 */
final class Attention {

    private final int layer;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;
    private final float dropout;
    private final boolean sliding;
    private final Float softcap;
    private final double eps;
    private final NDArray qNorm;   // (d) effective weight, or null
    private final NDArray kNorm;   // (d) effective weight, or null
    private final Projection qkv;  // fused, or null
    private final Projection q;
    private final Projection k;
    private final Projection v;
    private final Projection o;

    Attention(int layer, LlamaConfig config, WeightSet w) {
        this.layer = layer;
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.scale = (float) config.attentionScale();
        this.dropout = (float) config.attentionDropout();
        this.sliding = config.isSlidingLayer(layer);
        this.softcap = config.attnLogitSoftcap() == null ? null : config.attnLogitSoftcap().floatValue();
        this.eps = config.rmsNormEps();
        Family family = config.family();
        String p = "model.layers." + layer + ".self_attn.";
        this.qNorm = family.qkNorm() ? RmsNorm.effectiveWeight(w.dense().get(p + "q_norm.weight"), family) : null;
        this.kNorm = family.qkNorm() ? RmsNorm.effectiveWeight(w.dense().get(p + "k_norm.weight"), family) : null;
        if (family.fusedProjections()) {
            qkv = w.projection(WeightLayout.modulePath(layer, "qkv_proj"));
            q = null;
            k = null;
            v = null;
        } else {
            qkv = null;
            q = w.projection(WeightLayout.modulePath(layer, "q_proj"));
            k = w.projection(WeightLayout.modulePath(layer, "k_proj"));
            v = w.projection(WeightLayout.modulePath(layer, "v_proj"));
        }
        o = w.projection(WeightLayout.modulePath(layer, "o_proj"));
    }

    /** x (B, T, H) -> (B, T, H). */
    NDArray forward(NDArray x, ForwardContext ctx) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int groups = heads / kvHeads;
        NDArray qs;
        NDArray ks;
        NDArray vs;
        if (qkv != null) {
            long qw = (long) heads * headDim;
            long kvw = (long) kvHeads * headDim;
            NDList parts = ctx.project(layer, "qkv_proj", x, qkv).split(new long[] {qw, qw + kvw}, 2);
            qs = parts.get(0);                                                 // (B, T, h*d)
            ks = parts.get(1);                                                 // (B, T, kvh*d)
            vs = parts.get(2);                                                 // (B, T, kvh*d)
        } else {
            qs = ctx.project(layer, "q_proj", x, q);
            ks = ctx.project(layer, "k_proj", x, k);
            vs = ctx.project(layer, "v_proj", x, v);
        }
        qs = qs.reshape(b, t, heads, headDim);                                 // (B, T, h, d)
        ks = ks.reshape(b, t, kvHeads, headDim);                               // (B, T, kvh, d)
        vs = vs.reshape(b, t, kvHeads, headDim);                               // (B, T, kvh, d)
        if (qNorm != null) {
            qs = RmsNorm.apply(qs, qNorm, eps);
            ks = RmsNorm.apply(ks, kNorm, eps);
        }
        NDList rope = ctx.rope(sliding);
        qs = Rope.apply(qs, rope);
        ks = Rope.apply(ks, rope);

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
        } else if (ctx.batch() != null) {
            NDList all = ctx.batch().append(layer, keysT, values);
            keysT = all.get(0);                     // (B, kvh, d, S) each row's keys, left-padded
            values = all.get(1);                    // (B, kvh, S, d)
        }
        long s = keysT.getShape().get(3);

        NDArray queries = Ops.mul(qs, scale).transpose(0, 2, 1, 3)  // (B, h, T, d)
                .reshape(b, kvHeads, groups * t, headDim);      // (B, kvh, g*T, d)
        NDArray scores = queries.matMul(keysT)                  // (B, kvh, g*T, S)
                .reshape(b, kvHeads, groups, t, s);             // (B, kvh, g, T, S)
        if (softcap != null) {
            scores = Ops.softcap(scores, softcap);
        }
        scores = scores.add(ctx.mask(sliding));                 // mask (B|1, 1, 1, T, S)
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
