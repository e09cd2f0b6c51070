package dev.loraforge.engine.export;

import dev.loraforge.engine.export.GgufWriter.TensorType;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.TensorInfo;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.RopeScaling;
import dev.loraforge.engine.model.WeightLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a GGUF export, as {@code convert_hf_to_gguf.py --outtype f16} writes them for llama and qwen2:
 * llama.cpp's names ({@code gguf-py/gguf/tensor_mapping.py}), 2-D weights F16 and 1-D ones (norms, biases) F32,
 * Llama's q/k rows permuted from Hugging Face's rotate-half RoPE layout to ggml's interleaved one, and Llama 3's
 * rope scaling as a {@code rope_freqs.weight} tensor of per-frequency divisors. Each tensor is streamed from the
 * safetensors file in slices ({@link #CHUNK} elements, or one head's rows when permuting).
 */
final class GgufTensors {

    /** Elements read and converted at a time (16 MB of floats). */
    static final int CHUNK = 1 << 22;

    /**
     * One tensor to write.
     *
     * @param name llama.cpp's name
     * @param source the Hugging Face tensor it comes from, null for a computed one
     * @param shape PyTorch shape
     * @param type F16 for matrices, F32 for vectors
     * @param heads the number of heads whose rows are permuted (q: num_attention_heads, k: num_key_value_heads), 0 for none
     * @param values the values of a computed tensor, else null
     */
    record Planned(String name, String source, long[] shape, TensorType type, int heads, float[] values) {
    }

    private GgufTensors() {
    }

    /**
     * Every tensor of the model in checkpoint order (a computed {@code rope_freqs.weight} first), checked against the
     * checkpoint: each expected tensor present with its shape and a floating type, nothing left over that llama.cpp
     * would not know (rotary {@code inv_freq} buffers and a tied model's {@code lm_head.weight} are skipped).
     */
    static List<Planned> plan(LlamaConfig c, SafeTensorsReader reader, Path modelDir, boolean permute) {
        List<Planned> out = new ArrayList<>();
        if (c.ropeScaling() != null && c.ropeScaling().type().equals("llama3")) {
            float[] factors = llama3RopeFactors(c.headDim(), c.ropeTheta(), c.ropeScaling());
            out.add(new Planned("rope_freqs.weight", null, new long[] {factors.length}, TensorType.F32, 0, factors));
        }
        Map<String, long[]> layout = WeightLayout.of(c);
        for (Map.Entry<String, long[]> e : layout.entrySet()) {
            String hf = e.getKey();
            if (!reader.contains(hf)) {
                throw new IllegalArgumentException(modelDir + " has no tensor '" + hf + "', which a " + c.modelType()
                        + " model of this config.json needs");
            }
            TensorInfo info = reader.info(hf);
            if (!Arrays.equals(info.shape(), e.getValue()) || !info.dtype().isFloating()) {
                throw new IllegalArgumentException(modelDir + ": tensor '" + hf + "' is " + info.dtype()
                        + Arrays.toString(info.shape()) + ", config.json implies a floating " + Arrays.toString(e.getValue()));
            }
            int heads = 0;
            if (permute && hf.contains(".self_attn.q_proj.")) {
                heads = c.numAttentionHeads();
            } else if (permute && hf.contains(".self_attn.k_proj.")) {
                heads = c.numKeyValueHeads();
            }
            TensorType type = e.getValue().length >= 2 ? TensorType.F16 : TensorType.F32;
            out.add(new Planned(ggufName(hf), hf, e.getValue(), type, heads, null));
        }
        for (String name : reader.names()) {
            if (!layout.containsKey(name) && !WeightLayout.isIgnorable(name, c)) {
                throw new IllegalArgumentException(modelDir + " has tensor '" + name + "', which is not part of a "
                        + c.modelType() + " checkpoint and has no llama.cpp name");
            }
        }
        return out;
    }

    /** llama.cpp's name of a Hugging Face tensor of a llama/mistral/qwen2 checkpoint. */
    static String ggufName(String hf) {
        switch (hf) {
            case "model.embed_tokens.weight" -> { return "token_embd.weight"; }
            case "model.norm.weight" -> { return "output_norm.weight"; }
            case "lm_head.weight" -> { return "output.weight"; }
            default -> { }
        }
        String[] p = hf.split("\\.");  // model.layers.N.<module>[.<proj>].<weight|bias>
        if (p.length < 5 || !p[0].equals("model") || !p[1].equals("layers")) {
            throw new IllegalArgumentException("tensor '" + hf + "' has no llama.cpp name");
        }
        String blk = "blk." + p[2] + ".";
        String leaf = p[p.length - 1];
        String module = p.length == 5 ? p[3] : p[4];
        String name = switch (module) {
            case "input_layernorm" -> "attn_norm";
            case "post_attention_layernorm" -> "ffn_norm";
            case "q_proj" -> "attn_q";
            case "k_proj" -> "attn_k";
            case "v_proj" -> "attn_v";
            case "o_proj" -> "attn_output";
            case "gate_proj" -> "ffn_gate";
            case "up_proj" -> "ffn_up";
            case "down_proj" -> "ffn_down";
            default -> throw new IllegalArgumentException("tensor '" + hf + "' has no llama.cpp name");
        };
        return blk + name + "." + leaf;
    }

    /**
     * The source row (within one head of {@code rowsPerHead} rows) of output row {@code row} of the q/k permutation
     * in {@code convert_hf_to_gguf.py}'s {@code LlamaModel.permute}: {@code reshape(n_head, 2, hd/2, in)
     * .swapaxes(1, 2).reshape(out, in)}. Output row {@code 2i + j} is input row {@code j * hd/2 + i}: Hugging Face
     * keeps a head's two rotated halves apart (rotate_half), ggml's normal RoPE rotates adjacent pairs.
     */
    static int sourceRow(int row, int rowsPerHead) {
        return (row % 2) * (rowsPerHead / 2) + row / 2;
    }

    /** Streams one planned tensor's values into {@code w}; a value F16 cannot hold is refused naming both names. */
    static void write(Planned p, SafeTensorsReader reader, GgufWriter w) {
        try {
            stream(p, reader, w);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((p.source() == null ? "" : p.source() + ": ") + e.getMessage(), e);
        }
    }

    private static void stream(Planned p, SafeTensorsReader reader, GgufWriter w) {
        w.beginTensor(p.name());
        long elements = TensorInfo.elementCount(p.shape());
        if (p.values() != null) {
            w.write(p.values(), 0, p.values().length);
        } else if (p.heads() > 0) {
            long rows = p.shape()[0];
            int cols = Math.toIntExact(elements / rows);
            if (rows % p.heads() != 0 || (rows / p.heads()) % 2 != 0) {
                throw new IllegalArgumentException("tensor '" + p.source() + "' has " + rows + " rows, not an even number per"
                        + " head for " + p.heads() + " heads");
            }
            int rowsPerHead = (int) (rows / p.heads());
            int n = Math.multiplyExact(rowsPerHead, cols);
            float[] head = new float[n];        // (hd, in) of one head as stored
            float[] permuted = new float[n];    // (hd/2, 2, in) flattened back to (hd, in)
            for (int h = 0; h < p.heads(); h++) {
                reader.readFloats(p.source(), (long) h * n, head, 0, n);
                for (int row = 0; row < rowsPerHead; row++) {
                    System.arraycopy(head, sourceRow(row, rowsPerHead) * cols, permuted, row * cols, cols);
                }
                w.write(permuted, 0, n);
            }
        } else {
            float[] chunk = new float[(int) Math.min(CHUNK, elements)];
            for (long from = 0; from < elements; from += chunk.length) {
                int n = (int) Math.min(chunk.length, elements - from);
                reader.readFloats(p.source(), from, chunk, 0, n);
                w.write(chunk, 0, n);
            }
        }
        w.endTensor();
    }

    /**
     * Llama 3's rope scaling as llama.cpp applies it: per frequency pair the divisor of the unscaled inverse frequency
     * (1 at high frequencies, {@code factor} at low ones, a smooth blend between), computed as
     * {@code LlamaModel.generate_extra_tensors} does in float32.
     */
    static float[] llama3RopeFactors(int headDim, double theta, RopeScaling s) {
        float[] out = new float[headDim / 2];
        float lowWavelen = (float) (s.originalMaxPositions() / s.lowFreqFactor());
        float highWavelen = (float) (s.originalMaxPositions() / s.highFreqFactor());
        for (int i = 0; i < out.length; i++) {
            float freq = (float) (1.0 / (float) Math.pow(theta, (float) (2 * i) / (float) headDim));
            float wavelen = (float) (2 * Math.PI) / freq;
            if (wavelen < highWavelen) {
                out[i] = 1f;
            } else if (wavelen > lowWavelen) {
                out[i] = (float) s.factor();
            } else {
                float smooth = ((float) s.originalMaxPositions() / wavelen - (float) s.lowFreqFactor())
                        / (float) (s.highFreqFactor() - s.lowFreqFactor());
                out[i] = 1f / ((1f - smooth) / (float) s.factor() + smooth);
            }
        }
        return out;
    }
}
