package dev.loraforge.engine.reference;

import java.util.Map;

/**
 * An independent Llama forward in double precision with plain loops, written from transformers'
 * modeling_llama formulas (RMSNorm, rotate-half RoPE, repeat_kv GQA, causal + padding mask,
 * SwiGLU, final norm, LM head) and PEFT's LoRA / prefix-tuning semantics. It shares no code with
 * the DJL model; tests compare the two.
 */
public final class ReferenceLlama {

    /** Architecture numbers the reference needs. */
    public record Dims(int vocab, int hidden, int inter, int layers, int heads, int kvHeads, int headDim,
                       double eps, double theta, boolean tied) {
    }

    /** LoRA: per module path (e.g. model.layers.0.self_attn.q_proj) A (r x in) and B (out x r). */
    public record Lora(Map<String, float[]> a, Map<String, float[]> b, int r, double scaling) {
    }

    private final Dims d;
    private final Map<String, float[]> w;
    private final Lora lora;
    private final float[] prefix; // (P, layers*2*kvHeads*headDim) or null
    private final int prefixLength;

    public ReferenceLlama(Dims dims, Map<String, float[]> weights, Lora loraOrNull, float[] prefixOrNull,
                          int prefixLength) {
        this.d = dims;
        this.w = weights;
        this.lora = loraOrNull;
        this.prefix = prefixOrNull;
        this.prefixLength = prefixOrNull == null ? 0 : prefixLength;
    }

    public ReferenceLlama(Dims dims, Map<String, float[]> weights) {
        this(dims, weights, null, null, 0);
    }

    /** Logits [T][V] of one sequence; {@code mask} has 1 for tokens, 0 for padding (null = all 1). */
    public double[][] logits(int[] ids, int[] mask) {
        int t = ids.length;
        double[][] x = new double[t][];
        float[] emb = w.get("model.embed_tokens.weight");
        for (int i = 0; i < t; i++) {
            x[i] = new double[d.hidden];
            for (int j = 0; j < d.hidden; j++) {
                x[i][j] = emb[ids[i] * d.hidden + j];
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
                add(x[i], attn[i]);
                double[] n2 = rmsNorm(x[i], w.get(p + "post_attention_layernorm.weight"));
                double[] g = proj(p + "mlp.gate_proj", n2);
                double[] u = proj(p + "mlp.up_proj", n2);
                double[] act = new double[g.length];
                for (int j = 0; j < g.length; j++) {
                    act[j] = g[j] / (1 + Math.exp(-g[j])) * u[j];
                }
                add(x[i], proj(p + "mlp.down_proj", act));
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
                out[i][v] = s;
            }
        }
        return out;
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
        for (int i = 0; i < t; i++) {
            int pos = pl + i; // transformers' cache_position after a prefix of pl entries
            q[i] = rope(split(proj(p + "q_proj", h[i]), d.heads), pos);
            k[pl + i] = rope(split(proj(p + "k_proj", h[i]), d.kvHeads), pos);
            v[pl + i] = split(proj(p + "v_proj", h[i]), d.kvHeads);
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
                    if (!visible) {
                        scores[s] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double dot = 0;
                    for (int e = 0; e < hd; e++) {
                        dot += q[i][head][e] * k[s][kvh][e];
                    }
                    scores[s] = dot / Math.sqrt(hd);
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

    /** rotate-half RoPE: out = x cos + cat(-x2, x1) sin, angle = pos / theta^(2i/d). */
    private double[][] rope(double[][] x, int pos) {
        int half = d.headDim / 2;
        double[][] r = new double[x.length][d.headDim];
        for (int h = 0; h < x.length; h++) {
            for (int i = 0; i < half; i++) {
                double angle = pos / Math.pow(d.theta, 2.0 * i / d.headDim);
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

    private double[] rmsNorm(double[] x, float[] weight) {
        double ms = 0;
        for (double v : x) {
            ms += v * v;
        }
        ms /= x.length;
        double inv = 1 / Math.sqrt(ms + d.eps);
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = weight[i] * (x[i] * inv);
        }
        return r;
    }

    private static void add(double[] acc, double[] v) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }
}
