package dev.loraforge.engine.reference;

import java.util.Map;

/**
 * An independent Llama forward in double precision with plain loops, written from transformers'
 * modeling_llama formulas (RMSNorm, rotate-half RoPE, repeat_kv GQA, causal + padding mask,
 * SwiGLU, final norm, LM head) and PEFT's LoRA / prefix-tuning semantics, with the family
 * differences of {@link Variant} written from modeling_qwen3, modeling_gemma2/3 and modeling_phi3.
 * It shares no code with the DJL model; tests compare the two.
 */
public final class ReferenceLlama {

    /** Architecture numbers the reference needs. */
    public record Dims(int vocab, int hidden, int inter, int layers, int heads, int kvHeads, int headDim,
                       double eps, double theta, boolean tied) {
    }

    /**
     * What a family changes (transformers' modular differences), spelled out by the test, not derived by the
     * code under test.
     *
     * @param gemma embeddings times sqrt(hidden), RMSNorm x·(1+w), post-attention / pre- and post-feedforward
     *     norms around each sublayer, GeGLU with gelu-tanh
     * @param qkNorm RMSNorm over each query and key head before RoPE (weights self_attn.q_norm / k_norm)
     * @param fused phi3's qkv_proj (q rows, k rows, v rows) and gate_up_proj (gate rows, then up rows)
     * @param rotaryDim dimensions of each head that RoPE rotates (frequencies over that width)
     * @param scoreScale factor applied to q·k (1/sqrt(head_dim), or 1/sqrt(query_pre_attn_scalar))
     * @param sliding per layer, whether it uses the sliding window
     * @param window sliding window: key j is visible to query i when i - window < j <= i
     * @param localTheta RoPE base of sliding layers (Gemma 3), or 0 to use the global one
     * @param linearFactor RoPE linear scaling factor of full-attention layers (1 for none)
     * @param attnSoftcap tanh soft-cap of attention scores, 0 for none
     * @param finalSoftcap tanh soft-cap of logits, 0 for none
     */
    public record Variant(boolean gemma, boolean qkNorm, boolean fused, int rotaryDim, double scoreScale,
                          boolean[] sliding, int window, double localTheta, double linearFactor, double attnSoftcap,
                          double finalSoftcap) {

        /** Plain Llama. */
        public static Variant llama(Dims d) {
            return new Variant(false, false, false, d.headDim(), 1 / Math.sqrt(d.headDim()), new boolean[d.layers()], 0,
                    0, 1, 0, 0);
        }
    }

    /** LoRA: per module path (e.g. model.layers.0.self_attn.q_proj) A (r x in) and B (out x r). */
    public record Lora(Map<String, float[]> a, Map<String, float[]> b, int r, double scaling) {
    }

    private final Dims d;
    private final Variant var;
    private final Map<String, float[]> w;
    private final Lora lora;
    private final float[] prefix; // (P, layers*2*kvHeads*headDim) or null
    private final int prefixLength;

    public ReferenceLlama(Dims dims, Map<String, float[]> weights, Lora loraOrNull, float[] prefixOrNull,
                          int prefixLength) {
        this(dims, Variant.llama(dims), weights, loraOrNull, prefixOrNull, prefixLength);
    }

    public ReferenceLlama(Dims dims, Variant variant, Map<String, float[]> weights, Lora loraOrNull,
                          float[] prefixOrNull, int prefixLength) {
        this.d = dims;
        this.var = variant;
        this.w = weights;
        this.lora = loraOrNull;
        this.prefix = prefixOrNull;
        this.prefixLength = prefixOrNull == null ? 0 : prefixLength;
    }

    public ReferenceLlama(Dims dims, Map<String, float[]> weights) {
        this(dims, weights, null, null, 0);
    }

    public ReferenceLlama(Dims dims, Variant variant, Map<String, float[]> weights, Lora loraOrNull) {
        this(dims, variant, weights, loraOrNull, null, 0);
    }

    /** Logits [T][V] of one sequence; {@code mask} has 1 for tokens, 0 for padding (null = all 1). */
    public double[][] logits(int[] ids, int[] mask) {
        int t = ids.length;
        double[][] x = new double[t][];
        float[] emb = w.get("model.embed_tokens.weight");
        double embScale = var.gemma() ? (float) Math.sqrt(d.hidden) : 1; // Gemma's normalizer, a float32 value
        for (int i = 0; i < t; i++) {
            x[i] = new double[d.hidden];
            for (int j = 0; j < d.hidden; j++) {
                x[i][j] = emb[ids[i] * d.hidden + j] * embScale;
            }
        }
        for (int l = 0; l < d.layers; l++) {
            String p = "model.layers." + l + ".";
            double[][] h = new double[t][];
            for (int i = 0; i < t; i++) {
                h[i] = rmsNorm(x[i], w.get(p + "input_layernorm.weight"));
            }
            double[][] attn = attention(l, h, mask);
            for (int i = 0; i < t; i++) {
                if (var.gemma()) {
                    add(x[i], rmsNorm(attn[i], w.get(p + "post_attention_layernorm.weight")));
                    double[] n2 = rmsNorm(x[i], w.get(p + "pre_feedforward_layernorm.weight"));
                    add(x[i], rmsNorm(mlp(p, n2), w.get(p + "post_feedforward_layernorm.weight")));
                } else {
                    add(x[i], attn[i]);
                    add(x[i], mlp(p, rmsNorm(x[i], w.get(p + "post_attention_layernorm.weight"))));
                }
            }
        }
        float[] head = w.get(d.tied ? "model.embed_tokens.weight" : "lm_head.weight");
        double[][] out = new double[t][d.vocab];
        for (int i = 0; i < t; i++) {
            double[] n = rmsNorm(x[i], w.get("model.norm.weight"));
            for (int v = 0; v < d.vocab; v++) {
                double s = 0;
                for (int j = 0; j < d.hidden; j++) {
                    s += head[v * d.hidden + j] * n[j];
                }
                out[i][v] = var.finalSoftcap() > 0 ? var.finalSoftcap() * Math.tanh(s / var.finalSoftcap()) : s;
            }
        }
        return out;
    }

    /** Gated MLP: down(act(gate x) * up x), SiLU or gelu-tanh; phi3's gate_up_proj holds gate rows then up rows. */
    private double[] mlp(String p, double[] x) {
        double[] g;
        double[] u;
        if (var.fused()) {
            double[] gu = proj(p + "mlp.gate_up_proj", x);
            g = java.util.Arrays.copyOfRange(gu, 0, d.inter);
            u = java.util.Arrays.copyOfRange(gu, d.inter, 2 * d.inter);
        } else {
            g = proj(p + "mlp.gate_proj", x);
            u = proj(p + "mlp.up_proj", x);
        }
        double[] act = new double[g.length];
        for (int j = 0; j < g.length; j++) {
            double a = var.gemma()
                    ? 0.5 * g[j] * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g[j] + 0.044715 * g[j] * g[j] * g[j])))
                    : g[j] / (1 + Math.exp(-g[j]));
            act[j] = a * u[j];
        }
        return proj(p + "mlp.down_proj", act);
    }

    private double[][] attention(int layer, double[][] h, int[] mask) {
        String p = "model.layers." + layer + ".self_attn.";
        int t = h.length;
        int hd = d.headDim;
        int pl = prefixLength;
        double[][][] q = new double[t][][];
        double[][][] k = new double[pl + t][][];
        double[][][] v = new double[pl + t][][];
        for (int s = 0; s < pl; s++) {
            k[s] = new double[d.kvHeads][hd];
            v[s] = new double[d.kvHeads][hd];
            int width = d.layers * 2 * d.kvHeads * hd;
            for (int kv = 0; kv < d.kvHeads; kv++) {
                for (int e = 0; e < hd; e++) {
                    k[s][kv][e] = prefix[s * width + ((layer * 2) * d.kvHeads + kv) * hd + e];
                    v[s][kv][e] = prefix[s * width + ((layer * 2 + 1) * d.kvHeads + kv) * hd + e];
                }
            }
        }
        boolean sliding = var.sliding()[layer];
        double theta = sliding && var.localTheta() > 0 ? var.localTheta() : d.theta;
        double factor = sliding && var.localTheta() > 0 ? 1 : var.linearFactor();
        int qw = d.heads * hd;
        int kvw = d.kvHeads * hd;
        for (int i = 0; i < t; i++) {
            int pos = pl + i; // transformers' cache_position after a prefix of pl entries
            double[] qf;
            double[] kf;
            double[] vf;
            if (var.fused()) {
                double[] all = proj(p + "qkv_proj", h[i]);
                qf = java.util.Arrays.copyOfRange(all, 0, qw);
                kf = java.util.Arrays.copyOfRange(all, qw, qw + kvw);
                vf = java.util.Arrays.copyOfRange(all, qw + kvw, qw + 2 * kvw);
            } else {
                qf = proj(p + "q_proj", h[i]);
                kf = proj(p + "k_proj", h[i]);
                vf = proj(p + "v_proj", h[i]);
            }
            double[][] qh = split(qf, d.heads);
            double[][] kh = split(kf, d.kvHeads);
            if (var.qkNorm()) {
                for (int e = 0; e < qh.length; e++) {
                    qh[e] = rmsNorm(qh[e], w.get(p + "q_norm.weight"));
                }
                for (int e = 0; e < kh.length; e++) {
                    kh[e] = rmsNorm(kh[e], w.get(p + "k_norm.weight"));
                }
            }
            q[i] = rope(qh, pos, theta, factor);
            k[pl + i] = rope(kh, pos, theta, factor);
            v[pl + i] = split(vf, d.kvHeads);
        }
        int rep = d.heads / d.kvHeads;
        double[][] out = new double[t][d.heads * hd];
        for (int i = 0; i < t; i++) {
            for (int head = 0; head < d.heads; head++) {
                int kvh = head / rep; // repeat_kv: query head h uses key/value head h // n_rep
                double[] scores = new double[pl + t];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < pl + t; s++) {
                    boolean visible = s < pl || ((s - pl) <= i && (mask == null || mask[s - pl] == 1));
                    if (sliding && s <= pl + i - var.window()) {
                        visible = false; // kv_idx > q_idx - sliding_window, positions counted with the prefix
                    }
                    if (!visible) {
                        scores[s] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += q[i][head][e] * k[s][kvh][e];
                    }
                    scores[s] = dot * var.scoreScale();
                    if (var.attnSoftcap() > 0) {
                        scores[s] = var.attnSoftcap() * Math.tanh(scores[s] / var.attnSoftcap());
                    }
                    max = Math.max(max, scores[s]);
                }
                double sum = 0;
                for (int s = 0; s < pl + t; s++) {
                    scores[s] = scores[s] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(scores[s] - max);
                    sum += scores[s];
                }
                for (int s = 0; s < pl + t; s++) {
                    double pr = sum == 0 ? 0 : scores[s] / sum;
                    for (int e = 0; e < hd; e++) {
                        out[i][head * hd + e] += pr * v[s][kvh][e];
                    }
                }
            }
        }
        double[][] o = new double[t][];
        for (int i = 0; i < t; i++) {
            o[i] = proj(p + "o_proj", out[i]);
        }
        return o;
    }

    private double[][] split(double[] flat, int heads) {
        double[][] r = new double[heads][d.headDim];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(flat, h * d.headDim, r[h], 0, d.headDim);
        }
        return r;
    }

    /**
     * rotate-half RoPE on the first rd = rotaryDim dimensions: out = x cos + cat(-x2, x1) sin,
     * angle = pos / (theta^(2i/rd) * factor); the other dimensions pass through.
     */
    private double[][] rope(double[][] x, int pos, double theta, double factor) {
        int rd = var.rotaryDim();
        int half = rd / 2;
        double[][] r = new double[x.length][];
        for (int h = 0; h < x.length; h++) {
            r[h] = x[h].clone();
            for (int i = 0; i < half; i++) {
                double angle = pos / (Math.pow(theta, 2.0 * i / rd) * factor);
                double c = Math.cos(angle);
                double s = Math.sin(angle);
                double x1 = x[h][i];
                double x2 = x[h][i + half];
                r[h][i] = x1 * c - x2 * s;
                r[h][i + half] = x2 * c + x1 * s;
            }
        }
        return r;
    }

    /** y = W x + b, plus scaling * B (A x) when LoRA targets this module. */
    private double[] proj(String module, double[] x) {
        float[] wt = w.get(module + ".weight");
        float[] bias = w.get(module + ".bias");
        int in = x.length;
        int out = wt.length / in;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = bias == null ? 0 : bias[o];
            for (int i = 0; i < in; i++) {
                s += wt[o * in + i] * x[i];
            }
            y[o] = s;
        }
        if (lora != null && lora.a().containsKey(module)) {
            float[] a = lora.a().get(module);
            float[] b = lora.b().get(module);
            double[] ax = new double[lora.r()];
            for (int r = 0; r < lora.r(); r++) {
                for (int i = 0; i < in; i++) {
                    ax[r] += a[r * in + i] * x[i];
                }
            }
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int r = 0; r < lora.r(); r++) {
                    s += b[o * lora.r() + r] * ax[r];
                }
                y[o] += lora.scaling() * s;
            }
        }
        return y;
    }

    /** RMSNorm over x's length; Gemma multiplies by (1 + w). */
    private double[] rmsNorm(double[] x, float[] weight) {
        double ms = 0;
        for (double v : x) {
            ms += v * v;
        }
        ms /= x.length;
        double inv = 1 / Math.sqrt(ms + d.eps);
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = (var.gemma() ? 1.0 + weight[i] : weight[i]) * (x[i] * inv);
        }
        return r;
    }

    private static void add(double[] acc, double[] v) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }
}
