package dev.loraforge.events;

/**
 * Resolved training hyperparameters of a job (no {@code "auto"} left: job-api resolves them).
 *
 * @param learningRate     peak learning rate (after warmup)
 * @param scheduler        {@code linear} or {@code cosine} decay after warmup
 * @param checkpointEvery  save a checkpoint every N optimizer steps (0: only at the end)
 */
public record Hyperparameters(
        int nEpochs,
        int batchSize,
        double learningRate,
        int seqLen,
        double warmupRatio,
        String scheduler,
        int gradientAccumulation,
        int checkpointEvery) {

    public Hyperparameters {
        Require.positive(nEpochs, "Hyperparameters", "n_epochs");
        Require.positive(batchSize, "Hyperparameters", "batch_size");
        Require.positive(seqLen, "Hyperparameters", "seq_len");
        Require.positive(gradientAccumulation, "Hyperparameters", "gradient_accumulation");
        if (!(learningRate > 0)) {
            throw new EventFormatException("Hyperparameters.learning_rate must be > 0, got " + learningRate);
        }
    }
}
