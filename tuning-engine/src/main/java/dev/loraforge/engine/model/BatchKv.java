package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * The KV caches of the sequences in one batched step ({@link LlamaModel#decodeStep}, {@link LlamaModel#prefillRows}):
 * row i's new keys and values (its last {@code newTokens[i]} positions of the step's T, the input being left-padded)
 * go into that row's own {@link KvCache}, and attention sees every row's keys left-padded to the longest,
 * (B, kvh, d, S) and (B, kvh, S, d) with S = max(cached + new), so every row's newest token is the last position
 * (causal and sliding-window masks read the same for all; padding is masked). Rows join and leave between steps: a
 * step's batch is only a view over the caches it names.
 */
final class BatchKv {

    private final List<KvCache> rows;
    private final int[] lengths;
    private final int[] newTokens;
    private final int t;
    private final int width;
    private final NDManager step;

    /**
     * @param newTokens per row, how many of the step's {@code t} positions (the last ones) are its tokens
     * @param step      the manager of this step's arrays (the padded views are freed with it)
     */
    BatchKv(List<KvCache> rows, int[] newTokens, int t, NDManager step) {
        this.rows = List.copyOf(rows);
        this.newTokens = newTokens.clone();
        this.t = t;
        this.lengths = new int[rows.size()];
        int longest = 0;
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = rows.get(i).length();
            longest = Math.max(longest, lengths[i] + newTokens[i]);
        }
        this.width = Math.max(longest, t);
        this.step = step;
    }

    /** Tokens cached in each row before this step (the position of its first new token). */
    int[] lengths() {
        return lengths.clone();
    }

    /** Keys/values of every row after this step: S = max(cached + new), at least the step's width. */
    int width() {
        return width;
    }

    /** Padding mask (B, S): 1 where row i has a key (its last lengths[i] + newTokens[i] positions), else 0. */
    NDArray padding() {
        float[] mask = new float[lengths.length * width];
        for (int i = 0; i < lengths.length; i++) {
            for (int j = width - lengths[i] - newTokens[i]; j < width; j++) {
                mask[i * width + j] = 1f;
            }
        }
        return step.create(mask, new Shape(lengths.length, width));
    }

    /**
     * Appends row i's new keys (its last newTokens[i] of the step's (kvh, d, T)) and values to row i's cache and
     * returns every row's keys (B, kvh, d, S) and values (B, kvh, S, d), left-padded with zeros.
     */
    NDList append(int layer, NDArray newKeysT, NDArray newValues) {
        NDList keys = new NDList(rows.size());
        NDList values = new NDList(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            int from = t - newTokens[i];
            NDArray k = newKeysT.get(new NDIndex("{}, :, :, {}:", i, from)).expandDims(0);    // (1, kvh, d, n)
            NDArray v = newValues.get(new NDIndex("{}, :, {}:, :", i, from)).expandDims(0);   // (1, kvh, n, d)
            if (lengths[i] == 0) { // an empty cache keeps what it is given: its own copy, not a view of the batch's
                k = k.duplicate();
                v = v.duplicate();
            }
            NDList all = rows.get(i).append(layer, k, v);                                   // (1, kvh, d, L+n), (1, kvh, L+n, d)
            int pad = width - lengths[i] - newTokens[i];
            NDArray rowKeys = all.get(0);
            NDArray rowValues = all.get(1);
            if (pad > 0) {
                Shape ks = rowKeys.getShape();
                Shape vs = rowValues.getShape();
                NDArray kz = step.zeros(new Shape(1, ks.get(1), ks.get(2), pad), rowKeys.getDataType(), rowKeys.getDevice());
                NDArray vz = step.zeros(new Shape(1, vs.get(1), pad, vs.get(3)), rowValues.getDataType(), rowValues.getDevice());
                rowKeys = NDArrays.concat(new NDList(kz, rowKeys), 3);
                rowValues = NDArrays.concat(new NDList(vz, rowValues), 2);
            }
            keys.add(rowKeys);
            values.add(rowValues);
        }
        NDArray k = Ops.into(NDArrays.concat(keys, 0), step);
        NDArray v = Ops.into(NDArrays.concat(values, 0), step);
        return new NDList(k, v);
    }

    /** After the step: every row holds its new tokens. */
    void advance() {
        for (int i = 0; i < rows.size(); i++) {
            rows.get(i).advance(newTokens[i]);
        }
    }
}
