package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embeddings in transformers' rotate-half layout:
 * {@code x * cos + rotate_half(x) * sin}, {@code rotate_half(x) = cat(-x2, x1)} over the two
 * halves of the head dimension, angles {@code position * inv_freq} with
 * {@code inv_freq_i = 1 / theta^(2i/d)} repeated for both halves. The cos and sin tables are built
 * once (grown on demand) in the model's manager; {@code sin} is stored with the first half negated
 * so that the rotation is {@code x * cos + cat(x2, x1) * sinSigned}.
 */
final class Rope {

    private final NDManager manager;
    private final int headDim;
    private final float[] invFreq;
    private NDArray cos;        // (N, d)
    private NDArray sinSigned;  // (N, d)
    private int capacity;

    Rope(NDManager manager, LlamaConfig config) {
        this.manager = manager;
        this.headDim = config.headDim();
        this.invFreq = RopeScaling.inverseFrequencies(headDim, config.ropeTheta(), config.ropeScaling());
    }

    private synchronized void ensure(int length) {
        if (length <= capacity) {
            return;
        }
        int n = Math.max(128, Integer.highestOneBit(Math.max(1, length - 1)) << 1);
        int half = headDim / 2;
        float[] c = new float[n * headDim];
        float[] s = new float[n * headDim];
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) p * invFreq[i]; // float32 product, as transformers computes it
                float cv = (float) Math.cos(angle);
                float sv = (float) Math.sin(angle);
                c[p * headDim + i] = cv;
                c[p * headDim + half + i] = cv;
                s[p * headDim + i] = -sv;
                s[p * headDim + half + i] = sv;
            }
        }
        if (cos != null) {
            cos.close();
            sinSigned.close();
        }
        cos = manager.create(c, new Shape(n, headDim));
        sinSigned = manager.create(s, new Shape(n, headDim));
        capacity = n;
    }

    /** cos and signed sin for positions [start, start + T), shaped (1, T, 1, d), in {@code target}. */
    synchronized NDList tables(int start, int length, NDManager target) {
        ensure(start + length);
        NDIndex rows = new NDIndex("{}:{}", start, start + length);
        NDArray c = Ops.into(cos.get(rows), target).reshape(1, length, 1, headDim);
        NDArray s = Ops.into(sinSigned.get(rows), target).reshape(1, length, 1, headDim);
        return new NDList(c, s);
    }

    /** x (B, T, heads, d) rotated with tables from {@link #tables}. */
    static NDArray apply(NDArray x, NDList tables) {
        int half = (int) (x.getShape().get(3) / 2);
        NDList halves = x.split(new long[] {half}, 3);                 // x1, x2: (B, T, heads, d/2)
        NDArray swapped = NDArrays.concat(new NDList(halves.get(1), halves.get(0)), 3); // cat(x2, x1)
        return x.mul(tables.get(0)).add(swapped.mul(tables.get(1)));
    }
}
