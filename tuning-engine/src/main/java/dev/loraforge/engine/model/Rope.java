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
 * so that the rotation is {@code x * cos + cat(x2, x1) * sinSigned}. With a partial rotary factor
 * (phi3's partial_rotary_factor) only the first {@code rotaryDim} dimensions of each head rotate, with
 * frequencies over that width, and the rest pass through (transformers' q_rot / q_pass).
 */
final class Rope {

    private final NDManager manager;
    private final int dim;      // rotated dimensions per head
    private final float[] invFreq;
    private NDArray cos;        // (N, d)
    private NDArray sinSigned;  // (N, d)
    private int capacity;

    /** The table of full-attention layers: rope_theta with rope_scaling. */
    Rope(NDManager manager, LlamaConfig config) {
        this(manager, config.rotaryDim(), config.ropeTheta(), config.ropeScaling());
    }

    /** A table over {@code rotaryDim} dimensions with base {@code theta} and {@code scaling} (null for none). */
    Rope(NDManager manager, int rotaryDim, double theta, RopeScaling scaling) {
        this.manager = manager;
        this.dim = rotaryDim;
        this.invFreq = RopeScaling.inverseFrequencies(rotaryDim, theta, scaling);
    }

    private synchronized void ensure(int length) {
        if (length <= capacity) {
            return;
        }
        int n = Math.max(128, Integer.highestOneBit(Math.max(1, length - 1)) << 1);
        int half = dim / 2;
        float[] c = new float[n * dim];
        float[] s = new float[n * dim];
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) p * invFreq[i]; // float32 product, as transformers computes it
                float cv = (float) Math.cos(angle);
                float sv = (float) Math.sin(angle);
                c[p * dim + i] = cv;
                c[p * dim + half + i] = cv;
                s[p * dim + i] = -sv;
                s[p * dim + half + i] = sv;
            }
        }
        if (cos != null) {
            cos.close();
            sinSigned.close();
        }
        cos = Ops.owned(manager.create(c, new Shape(n, dim)));         // autograd keeps views of the tables
        sinSigned = Ops.owned(manager.create(s, new Shape(n, dim)));
        capacity = n;
    }

    /** cos and signed sin for positions [start, start + T), shaped (1, T, 1, d), in {@code target}. */
    synchronized NDList tables(int start, int length, NDManager target) {
        ensure(start + length);
        NDIndex rows = new NDIndex("{}:{}", start, start + length);
        NDArray c = Ops.into(cos.get(rows), target).reshape(1, length, 1, dim);
        NDArray s = Ops.into(sinSigned.get(rows), target).reshape(1, length, 1, dim);
        return new NDList(c, s);
    }

    /**
     * cos and signed sin at given positions (packed rows, where positions restart per example):
     * {@code positions} (B, T) int64 below {@code end} -> (B, T, 1, d) each, in {@code target}.
     */
    synchronized NDList tablesAt(NDArray positions, int end, NDManager target) {
        ensure(end);
        long b = positions.getShape().get(0);
        long t = positions.getShape().get(1);
        NDArray c = Ops.into(cos.get(positions), target).reshape(b, t, 1, dim);        // gathered: a copy
        NDArray s = Ops.into(sinSigned.get(positions), target).reshape(b, t, 1, dim);
        return new NDList(c, s);
    }

    /** x (B, T, heads, d) rotated with tables from {@link #tables} (the first r <= d dimensions). */
    static NDArray apply(NDArray x, NDList tables) {
        long d = x.getShape().get(3);
        long r = tables.get(0).getShape().get(3);
        if (r < d) {
            NDList parts = x.split(new long[] {r}, 3);                      // rot (.., r), pass (.., d - r)
            return NDArrays.concat(new NDList(rotate(parts.get(0), tables), parts.get(1)), 3);
        }
        return rotate(x, tables);
    }

    private static NDArray rotate(NDArray x, NDList tables) {
        int half = (int) (x.getShape().get(3) / 2);
        NDList halves = x.split(new long[] {half}, 3);                 // x1, x2: (B, T, heads, d/2)
        NDArray swapped = NDArrays.concat(new NDList(halves.get(1), halves.get(0)), 3); // cat(x2, x1)
        return x.mul(tables.get(0)).add(swapped.mul(tables.get(1)));
    }
}
