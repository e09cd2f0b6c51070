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

    private final DataLoader loader;
    private final int gradAccumulation;
    private final int padId;
    private long step;
    private long tokens;

    TokenCounter(List<EncodedExample> examples, TrainConfig config, int padId) {
        this.loader = new DataLoader(examples, config.batchSize(), config.seed(), config.shuffle());
        this.gradAccumulation = config.gradAccumulation();
        this.padId = padId;
    }

    /** Moves to the end of update {@code target} (1-based) and returns the tokens of updates 1..target. */
    long through(long target) {
        while (step < target) {
            for (int i = 0; i < gradAccumulation; i++) {
                tokens += new Batch(loader.next(), padId).tokens();
            }
            step++;
        }
        return tokens;
    }
}
