package dev.loraforge.engine.reference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsWriter;
import dev.loraforge.engine.model.GenerationDefaults;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.WeightLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Random tiny models for numerics tests: every tensor random (norms near 1, biases non-zero). */
public final class TestModels {

    private TestModels() {
    }

    /** Weights large enough that logits are O(1), so a 1e-4 comparison means something. */
    public static Map<String, float[]> randomWeights(LlamaConfig c, long seed) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Random r = new Random(seed);
        for (Map.Entry<String, long[]> e : WeightLayout.of(c).entrySet()) {
            int n = 1;
            for (long dim : e.getValue()) {
                n *= (int) dim;
            }
            float[] v = new float[n];
            boolean norm = WeightLayout.isNorm(e.getKey());
            double std = norm ? 0.2 : (e.getKey().endsWith(".bias") ? 0.3 : 0.3 / Math.sqrt(e.getValue()[e.getValue().length - 1] / 16.0));
            for (int i = 0; i < n; i++) {
                v[i] = (float) ((norm ? 1.0 : 0.0) + r.nextGaussian() * std);
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    /** Writes a model directory with these weights stored as {@code dtype}. */
    public static void write(Path dir, LlamaConfig c, Map<String, float[]> weights, SafeDType dtype) {
        SafeTensorsWriter writer = new SafeTensorsWriter().metadata("format", "pt");
        Map<String, long[]> layout = WeightLayout.of(c);
        weights.forEach((name, v) -> writer.addFloats(name, v, layout.get(name), dtype));
        try {
            Files.createDirectories(dir);
            c.write(dir);
            Files.writeString(dir.resolve("generation_config.json"), GenerationDefaults.json(c));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writer.write(dir.resolve("model.safetensors"));
    }

    /** Writes and loads. */
    public static LlamaModel load(Path dir, LlamaConfig c, Map<String, float[]> weights) {
        write(dir, c, weights, SafeDType.F32);
        return LlamaModel.load(dir);
    }

    public static ReferenceLlama.Dims dims(LlamaConfig c) {
        return new ReferenceLlama.Dims(c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.rmsNormEps(), c.ropeTheta(),
                c.tieWordEmbeddings());
    }

    /** (B, T) int64 ids in {@code m}. */
    public static NDArray ids(NDManager m, int[][] ids) {
        long[] flat = new long[ids.length * ids[0].length];
        for (int b = 0; b < ids.length; b++) {
            for (int t = 0; t < ids[b].length; t++) {
                flat[b * ids[0].length + t] = ids[b][t];
            }
        }
        return m.create(flat, new Shape(ids.length, ids[0].length));
    }

    /** Random ids in [0, vocab). */
    public static int[][] randomIds(long seed, int batch, int length, int vocab) {
        Random r = new Random(seed);
        int[][] ids = new int[batch][length];
        for (int[] row : ids) {
            for (int t = 0; t < length; t++) {
                row[t] = r.nextInt(vocab);
            }
        }
        return ids;
    }

    /** Largest |a - b| over sequence {@code b} of logits (B, T, V) and reference [T][V], first {@code upTo} tokens. */
    public static double maxAbsDiff(float[] logits, int batchIndex, int tokens, int vocab, double[][] ref, int upTo) {
        double max = 0;
        for (int t = 0; t < upTo; t++) {
            for (int v = 0; v < vocab; v++) {
                double a = logits[(batchIndex * tokens + t) * vocab + v];
                max = Math.max(max, Math.abs(a - ref[t][v]));
            }
        }
        return max;
    }

    /** Largest |reference logit|, to show the comparison is not between near-zeros. */
    public static double maxAbs(double[][] ref) {
        double max = 0;
        for (double[] row : ref) {
            for (double v : row) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }

    /**
     * Gives a LoRA adapter's B matrices random values (N(0, 0.3^2), seeded), as if trained: a fresh adapter's B is zero
     * and would change nothing.
     */
    public static void randomizeLoraB(dev.loraforge.engine.lora.LoraAdapter adapter, long seed) {
        Random r = new Random(seed);
        for (Map.Entry<String, NDArray> e : adapter.trainableParameters().entrySet()) {
            if (e.getKey().contains("lora_B")) {
                float[] v = new float[(int) e.getValue().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * 0.3);
                }
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(v.length * 4).order(java.nio.ByteOrder.nativeOrder());
                buf.asFloatBuffer().put(v);
                e.getValue().set(buf);
            }
        }
    }
}
