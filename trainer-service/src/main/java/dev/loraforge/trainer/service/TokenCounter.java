package dev.loraforge.trainer.service;

import dev.loraforge.engine.data.Batch;
import dev.loraforge.engine.data.DataLoader;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.train.TrainConfig;
import java.util.List;

/**
 * Counts the real (non-padding) tokens the engine trains on, update by update: it walks the same
 * batches in the same order as the engine's {@link DataLoader} (order fixed by seed and epoch) and
 * sums {@link Batch#tokens()}, as the engine's own tokens-per-second figure does. No tensors involved.
 */
final class TokenCounter {

    /** The tokens of the next update. */
    private final java.util.function.LongSupplier nextUpdate;
    private long step;
    private long tokens;

    TokenCounter(List<EncodedExample> examples, TrainConfig config, int padId) {
        DataLoader loader = new DataLoader(examples, config.batchSize(), config.seed(), config.shuffle());
        int gradAccumulation = config.gradAccumulation();
        this.nextUpdate = () -> {
            long n = 0;
            for (int i = 0; i < gradAccumulation; i++) {
                n += new Batch(loader.next(), padId).tokens();
            }
            return n;
        };
    }

    private TokenCounter(java.util.function.LongSupplier nextUpdate) {
        this.nextUpdate = nextUpdate;
    }

    /**
     * For a DPO run: the pairs in the engine's DPO order (the same seeded order per epoch, batch after batch), each
     * pair counting its prompt once with each response (chosen and rejected: both are forwarded).
     */
    static TokenCounter forPairs(List<dev.loraforge.engine.data.EncodedPreference> pairs, TrainConfig config) {
        int[] state = new int[2]; // epoch, offset
        int[][] order = {DataLoader.order(pairs.size(), config.seed(), config.shuffle(), 0)};
        return new TokenCounter(() -> {
            long n = 0;
            for (int i = 0; i < config.gradAccumulation(); i++) {
                int end = Math.min(state[1] + config.batchSize(), pairs.size());
                for (int k = state[1]; k < end; k++) {
                    var p = pairs.get(order[0][k]);
                    n += 2L * p.promptIds().length + p.chosenIds().length + p.rejectedIds().length;
                }
                state[1] = end;
                if (end == pairs.size()) {
                    state[0]++;
                    state[1] = 0;
                    order[0] = DataLoader.order(pairs.size(), config.seed(), config.shuffle(), state[0]);
                }
            }
            return n;
        });
    }

    /** Moves to the end of update {@code target} (1-based) and returns the tokens of updates 1..target. */
    long through(long target) {
        while (step < target) {
            tokens += nextUpdate.getAsLong();
            step++;
        }
        return tokens;
    }
}
