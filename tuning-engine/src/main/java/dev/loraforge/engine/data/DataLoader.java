package dev.loraforge.engine.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Hands out batches of examples in a shuffled order that depends only on the seed and the epoch, so
 * a {@link Position} (epoch, offset) is all a checkpoint needs to continue where it stopped. The last
 * batch of an epoch may be smaller (as a PyTorch {@code DataLoader} without {@code drop_last}).
 */
public final class DataLoader {

    /** Where the next batch starts: the epoch (0-based) and the offset in that epoch's order. */
    public record Position(int epoch, int offset) {
    }

    private final List<EncodedExample> examples;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private int epoch;
    private int offset;
    private int[] order;

    public DataLoader(List<EncodedExample> examples, int batchSize, long seed, boolean shuffle) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no examples to train on");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.examples = List.copyOf(examples);
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
        this.order = orderOf(0);
    }

    /** Batches in one epoch. */
    public int batchesPerEpoch() {
        return (examples.size() + batchSize - 1) / batchSize;
    }

    public int size() {
        return examples.size();
    }

    public Position position() {
        return new Position(epoch, offset);
    }

    public void seek(Position p) {
        if (p.epoch() < 0 || p.offset() < 0 || p.offset() >= examples.size()) {
            throw new IllegalArgumentException("data position " + p + " is outside a dataset of " + examples.size() + " examples");
        }
        epoch = p.epoch();
        offset = p.offset();
        order = orderOf(epoch);
    }

    /** The next batch's examples; moves to the next epoch (new order) after the last one. */
    public List<EncodedExample> next() {
        int end = Math.min(offset + batchSize, examples.size());
        List<EncodedExample> batch = new ArrayList<>(end - offset);
        for (int i = offset; i < end; i++) {
            batch.add(examples.get(order[i]));
        }
        offset = end;
        if (offset == examples.size()) {
            epoch++;
            offset = 0;
            order = orderOf(epoch);
        }
        return batch;
    }

    private int[] orderOf(int e) {
        return order(examples.size(), seed, shuffle, e);
    }

    /** The order of {@code size} items in epoch {@code epoch}: a seeded shuffle (or 0..size-1), as the batches use it. */
    public static int[] order(int size, long seed, boolean shuffle, int epoch) {
        List<Integer> idx = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            idx.add(i);
        }
        if (shuffle) {
            Collections.shuffle(idx, new Random(seed * 1_000_003L + epoch));
        }
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }
}
