package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * The KV caches of the sequences in one batched decoding step ({@link LlamaModel#decodeStep}): each row's new key
 * and value go into that row's own {@link KvCache}, and attention sees every row's keys left-padded to the longest,
 * (B, kvh, d, S) and (B, kvh, S, d) with S = longest + 1, so the new token is the last position of every row (causal
 * and sliding-window masks read the same for all; padding is masked). Rows join and leave between steps: a step's
 * batch is only a view over the caches it names.
 */
final class BatchKv {

    private final List<KvCache> rows;
    private final int[] lengths;
    private final int width;
    private final NDManager step;

    /** @param step the manager of this step's arrays (the padded views are freed with it) */
    BatchKv(List<KvCache> rows, NDManager step) {
        this.rows = List.copyOf(rows);
        this.lengths = new int[rows.size()];
        int longest = 0;
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = rows.get(i).length();
            longest = Math.max(longest, lengths[i]);
        }
        this.width = longest + 1;
        this.step = step;
    }

    /** Tokens cached in each row before this step (its new token's position). */
    int[] lengths() {
        return lengths.clone();
    }

    /** Keys/values of every row after this step's token: S = longest + 1. */
    int width() {
        return width;
    }

    /** Padding mask (B, S): 1 where row i has a key (its last lengths[i] + 1 positions), else 0. */
    NDArray padding() {
        float[] mask = new float[lengths.length * width];
        for (int i = 0; i < lengths.length; i++) {
            for (int j = width - lengths[i] - 1; j < width; j++) {
                mask[i * width + j] = 1f;
            }
        }
        return step.create(mask, new Shape(lengths.length, width));
    }

    /**
     * Appends row i's new key (kvh, d, 1) and value (kvh, 1, d) (row i of the B-row arrays) to row i's cache and
     * returns every row's keys (B, kvh, d, S) and values (B, kvh, S, d), left-padded with zeros.
     */
    NDList append(int layer, NDArray newKeysT, NDArray newValues) {
        NDList keys = new NDList(rows.size());
        NDList values = new NDList(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            NDArray k = newKeysT.get(i).expandDims(0);                                  // (1, kvh, d, 1)
            NDArray v = newValues.get(i).expandDims(0);                                 // (1, kvh, 1, d)
            NDList all = rows.get(i).append(layer, k, v);                               // (1, kvh, d, L+1), (1, kvh, L+1, d)
            int pad = width - lengths[i] - 1;
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

    /** After the step: every row holds one more token. */
    void advance() {
        for (KvCache row : rows) {
            row.advance(1);
        }
    }
}
