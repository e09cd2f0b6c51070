package dev.loraforge.engine.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Examples laid out as rows padded on the right to the longest row: ids (B,T), attention mask (B,T) with 1
 * for tokens and 0 for padding, and targets (B,T): the labels shifted left by one (the token position t
 * must predict), {@link EncodedExample#IGNORE} at padding, masked tokens and each example's last position.
 * <p>
 * Plain batches hold one example per row. {@link #packed} batches put several examples in a row (TRL's
 * padding-free packing, bounded by the longest example): each example keeps its own positions
 * ({@link #positionsArray}, restarting at 0) and its segment number ({@link #segmentsArray}, 1, 2, ... in a
 * row, 0 for padding), so that attention stays inside an example, and no target crosses into the next
 * example. The examples and their loss are those of the plain batch; there is only less padding.
 */
public final class Batch {

    private final int size;
    private final int length;
    private final long[] ids;
    private final long[] mask;
    private final long[] targets;
    private final long[] positions; // null unless packed
    private final long[] segments;  // null unless packed
    private final int tokens;
    private final int targetTokens;
    private final int examples;

    /** One example per row. */
    public Batch(List<EncodedExample> examples, int padId) {
        this(examples.stream().map(List::of).toList(), padId, false);
    }

    /**
     * The examples packed first-fit decreasing into rows no longer than the longest of them (a row never
     * needs more room than the plain batch's padded rows), each example's tokens contiguous in its row.
     */
    public static Batch packed(List<EncodedExample> examples, int padId) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one example");
        }
        int capacity = examples.stream().mapToInt(EncodedExample::length).max().orElseThrow();
        List<EncodedExample> order = new ArrayList<>(examples);
        order.sort(Comparator.comparingInt(EncodedExample::length).reversed()); // stable: ties keep their order
        List<List<EncodedExample>> rows = new ArrayList<>();
        List<Integer> used = new ArrayList<>();
        for (EncodedExample e : order) {
            int row = -1;
            for (int r = 0; r < rows.size() && row < 0; r++) {
                if (used.get(r) + e.length() <= capacity) {
                    row = r;
                }
            }
            if (row < 0) {
                rows.add(new ArrayList<>());
                used.add(0);
                row = rows.size() - 1;
            }
            rows.get(row).add(e);
            used.set(row, used.get(row) + e.length());
        }
        return new Batch(rows, padId, true);
    }

    private Batch(List<List<EncodedExample>> rows, int padId, boolean packed) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one example");
        }
        size = rows.size();
        length = rows.stream().mapToInt(r -> r.stream().mapToInt(EncodedExample::length).sum()).max().orElseThrow();
        ids = new long[size * length];
        mask = new long[size * length];
        targets = new long[size * length];
        positions = packed ? new long[size * length] : null;
        segments = packed ? new long[size * length] : null;
        java.util.Arrays.fill(ids, padId);
        java.util.Arrays.fill(targets, EncodedExample.IGNORE);
        int tok = 0;
        int tgt = 0;
        int count = 0;
        for (int b = 0; b < size; b++) {
            int at = b * length;
            int segment = 0;
            for (EncodedExample e : rows.get(b)) {
                segment++;
                count++;
                for (int t = 0; t < e.length(); t++, at++) {
                    ids[at] = e.inputIds()[t];
                    mask[at] = 1;
                    long target = t + 1 < e.length() ? e.labels()[t + 1] : EncodedExample.IGNORE;
                    targets[at] = target;
                    if (packed) {
                        positions[at] = t;
                        segments[at] = segment;
                    }
                    tok++;
                    tgt += target != EncodedExample.IGNORE ? 1 : 0;
                }
            }
        }
        tokens = tok;
        targetTokens = tgt;
        examples = count;
    }

    /** Rows. */
    public int size() {
        return size;
    }

    public int length() {
        return length;
    }

    /** Examples in the batch (as many as rows unless packed). */
    public int examples() {
        return examples;
    }

    /** Whether rows hold several examples (positions and segments are then set). */
    public boolean isPacked() {
        return positions != null;
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

    /** Position of each token inside its example (packed batches), 0 at padding. */
    public long[] positions() {
        requirePacked();
        return positions.clone();
    }

    /** Segment of each token: 1, 2, ... per example in its row (packed batches), 0 at padding. */
    public long[] segments() {
        requirePacked();
        return segments.clone();
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

    public NDArray positionsArray(NDManager manager) {
        requirePacked();
        return manager.create(positions, new Shape(size, length));
    }

    public NDArray segmentsArray(NDManager manager) {
        requirePacked();
        return manager.create(segments, new Shape(size, length));
    }

    private void requirePacked() {
        if (positions == null) {
            throw new IllegalStateException("not a packed batch: positions and segments exist only with packing");
        }
    }
}
