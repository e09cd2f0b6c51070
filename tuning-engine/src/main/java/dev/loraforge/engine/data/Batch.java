package dev.loraforge.engine.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Examples padded on the right to the longest one: ids (B,T), attention mask (B,T) with 1 for tokens
 * and 0 for padding, and targets (B,T): the labels shifted left by one (the token position t must
 * predict), {@link EncodedExample#IGNORE} at padding, masked tokens and the last position.
 */
public final class Batch {

    private final int size;
    private final int length;
    private final long[] ids;
    private final long[] mask;
    private final long[] targets;
    private final int tokens;
    private final int targetTokens;

    public Batch(List<EncodedExample> examples, int padId) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one example");
        }
        size = examples.size();
        length = examples.stream().mapToInt(EncodedExample::length).max().orElseThrow();
        ids = new long[size * length];
        mask = new long[size * length];
        targets = new long[size * length];
        int tok = 0;
        int tgt = 0;
        for (int b = 0; b < size; b++) {
            EncodedExample e = examples.get(b);
            int base = b * length;
            for (int t = 0; t < length; t++) {
                boolean real = t < e.length();
                ids[base + t] = real ? e.inputIds()[t] : padId;
                mask[base + t] = real ? 1 : 0;
                long target = t + 1 < e.length() ? e.labels()[t + 1] : EncodedExample.IGNORE;
                targets[base + t] = target;
                tok += real ? 1 : 0;
                tgt += target != EncodedExample.IGNORE ? 1 : 0;
            }
        }
        tokens = tok;
        targetTokens = tgt;
    }

    public int size() {
        return size;
    }

    public int length() {
        return length;
    }

    /** Real (non-padding) tokens. */
    public int tokens() {
        return tokens;
    }

    /** Positions that count in the loss. */
    public int targetTokens() {
        return targetTokens;
    }

    public long[] ids() {
        return ids.clone();
    }

    public long[] targets() {
        return targets.clone();
    }

    public NDArray idsArray(NDManager manager) {
        return manager.create(ids, new Shape(size, length));
    }

    public NDArray maskArray(NDManager manager) {
        return manager.create(mask, new Shape(size, length));
    }

    public NDArray targetsArray(NDManager manager) {
        return manager.create(targets, new Shape(size, length));
    }
}
