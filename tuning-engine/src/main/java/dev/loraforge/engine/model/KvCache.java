package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of the tokens processed so far, per layer, for incremental decoding. Keys are
 * kept transposed, (B, kvHeads, headDim, S), so attention scores need no per-step transpose;
 * values are (B, kvHeads, S, headDim). A prefix-tuning adapter's learned positions sit at the
 * start, as PEFT passes them to transformers in {@code past_key_values}. The arrays live in a
 * sub-manager of the one given, freed by {@link #close()}.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keysT;
    private final NDArray[] values;
    private int tokens;
    private int prefix = -1;
    private Adapter adapter;

    /** An empty cache for a model with this config; its arrays live under {@code manager}. */
    public KvCache(LlamaConfig config, NDManager manager) {
        this.manager = manager.newSubManager();
        this.keysT = new NDArray[config.numHiddenLayers()];
        this.values = new NDArray[config.numHiddenLayers()];
    }

    /** Tokens cached so far (learned prefix positions not included). */
    public int length() {
        return tokens;
    }

    /** Learned prefix positions held at the start (0 before the first forward). */
    public int prefixLength() {
        return Math.max(prefix, 0);
    }

    boolean isEmpty() {
        return prefix < 0;
    }

    /** The first forward binds the cache to an adapter; later ones must use the same. */
    void bind(Adapter used, int prefixLength) {
        if (prefix < 0) {
            adapter = used;
            prefix = prefixLength;
        } else if (adapter != used) {
            throw new IllegalArgumentException("this KvCache was filled with a different adapter; "
                    + "use one cache per adapter (or a new cache after switching)");
        }
    }

    /**
     * Appends this layer's new keys (B, kvh, d, T) and values (B, kvh, T, d) and returns all of
     * them, (B, kvh, d, S) and (B, kvh, S, d).
     */
    NDList append(int layer, NDArray newKeysT, NDArray newValues) {
        if (keysT[layer] == null) {
            keysT[layer] = Ops.into(newKeysT, manager);
            values[layer] = Ops.into(newValues, manager);
        } else {
            NDArray k = NDArrays.concat(new NDList(keysT[layer], newKeysT), 3);
            NDArray v = NDArrays.concat(new NDList(values[layer], newValues), 2);
            keysT[layer].close();
            values[layer].close();
            keysT[layer] = Ops.into(k, manager);
            values[layer] = Ops.into(v, manager);
        }
        return new NDList(keysT[layer], values[layer]);
    }

    /** Called once per forward, after every layer appended its T new tokens. */
    void advance(int newTokens) {
        tokens += newTokens;
    }

    @Override
    public void close() {
        manager.close();
    }
}
