package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The additive attention mask: 0 where a query may attend, {@link #MASKED} where it may not.
 * Causal over tokens (query at position past+i sees keys at positions <= past+i), padding keys
 * hidden, learned prefix positions always visible. A large finite value instead of -inf keeps
 * fully masked rows (padding queries) finite, as transformers' use of the dtype minimum does.
 * The causal table is built once (grown on demand) in the model's manager. A sliding-window mask
 * also hides keys at least {@code window} positions behind the query, counted over the whole key
 * sequence (transformers' {@code kv_idx > q_idx - sliding_window}).
 */
final class AttentionMask {

    static final float MASKED = -1e9f;

    private final NDManager manager;
    private NDArray causal; // (N, N): 0 on and below the diagonal, MASKED above
    private int capacity;

    AttentionMask(NDManager manager) {
        this.manager = manager;
    }

    private void ensure(int length) {
        if (length <= capacity) {
            return;
        }
        int n = Math.max(128, Integer.highestOneBit(Math.max(1, length - 1)) << 1);
        float[] table = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                table[i * n + j] = MASKED;
            }
        }
        if (causal != null) {
            causal.close();
        }
        causal = Ops.owned(manager.create(table, new Shape(n, n)));
        capacity = n;
    }

    /** (1, T, S): MASKED where key s <= query q - window, queries at absolute positions first..first+T-1. */
    private static NDArray band(int first, int length, int keys, int window, NDManager target) {
        float[] table = new float[length * keys];
        for (int i = 0; i < length; i++) {
            int q = first + i;
            for (int s = 0; s < keys && s <= q - window; s++) {
                table[i * keys + s] = MASKED;
            }
        }
        return target.create(table, new Shape(1, length, keys));
    }

    /**
     * The mask of packed rows (training, no cache, no prefix): a key is visible to a query when it is in the
     * same example (segment) and not after it, and within {@code window} positions when that is set (indices
     * within an example differ as its positions do). Padding (segment 0) only sees padding, so its rows stay
     * finite. {@code segments} (B, T) int64 -> (B, 1, 1, T, T) in {@code target}.
     */
    synchronized NDArray packed(NDArray segments, NDManager target, Integer window) {
        long b = segments.getShape().get(0);
        int t = Math.toIntExact(segments.getShape().get(1));
        ensure(t);
        NDArray mask = Ops.into(causal.get(new NDIndex("0:{}, 0:{}", t, t)), target).reshape(1, t, t); // (1, T, T)
        NDArray same = segments.expandDims(2).eq(segments.expandDims(1));                           // (B, T, T)
        NDArray apart = Ops.mul(same.logicalNot().toType(DataType.FLOAT32, false), MASKED);
        mask = mask.add(apart);                                                                     // (B, T, T)
        if (window != null && t > window) {
            mask = mask.add(band(0, t, t, window, target));
        }
        return mask.reshape(b, 1, 1, t, t);
    }

    /**
     * The mask for T new tokens after {@code past} cached ones and {@code prefix} learned
     * positions: (1, 1, 1, T, S) or (B, 1, 1, T, S) with S = prefix + past + T, in {@code target}.
     *
     * @param padding (B, past + T) with 1 for tokens and 0 for padding, or null
     */
    synchronized NDArray build(int prefix, int past, int length, NDArray padding, NDManager target) {
        return build(prefix, past, length, padding, target, null);
    }

    /** As {@link #build(int, int, int, NDArray, NDManager)}, with a sliding window when {@code window} is not null. */
    synchronized NDArray build(int prefix, int past, int length, NDArray padding, NDManager target, Integer window) {
        int tokens = past + length;
        ensure(tokens);
        NDArray mask = Ops.into(causal.get(new NDIndex("{}:{}, 0:{}", past, tokens, tokens)), target); // (T, past+T)
        if (padding != null) {
            long b = padding.getShape().get(0);
            NDArray hidden = padding.toType(DataType.FLOAT32, false).neg().add(1f).mul(MASKED); // (B, past+T)
            mask = mask.reshape(1, length, tokens).add(hidden.reshape(b, 1, tokens));           // (B, T, past+T)
        } else {
            mask = mask.reshape(1, length, tokens);                                             // (1, T, past+T)
        }
        if (prefix > 0) {
            long b = mask.getShape().get(0);
            NDArray open = target.zeros(new Shape(b, length, prefix));                          // (B, T, P)
            mask = NDArrays.concat(new NDList(open, mask), 2);                                  // (B, T, S)
        }
        long b = mask.getShape().get(0);
        if (window != null && prefix + tokens > window) {
            mask = mask.add(band(prefix + past, length, prefix + tokens, window, target));    // (B, T, S)
        }
        return mask.reshape(b, 1, 1, length, (long) prefix + tokens);
    }
}
