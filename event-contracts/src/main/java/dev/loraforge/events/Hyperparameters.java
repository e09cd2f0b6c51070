package dev.loraforge.events;

/**
 * Resolved training hyperparameters of a job (no {@code "auto"} left: job-api resolves them).
 *
 * @param learningRate     peak learning rate (after warmup)
 * @param scheduler        {@code linear} or {@code cosine} decay after warmup
 * @param checkpointEvery  save a checkpoint every N optimizer steps (0: only at the end)
 * @param beta             DPO's beta (OpenAI's {@code method.dpo.hyperparameters.beta}): present, the job trains with
 *                         Direct Preference Optimization on a preference dataset; null, supervised fine-tuning
 */
public record Hyperparameters(
        int nEpochs,
        int batchSize,
        double learningRate,
        int seqLen,
        double warmupRatio,
        String scheduler,
        int gradientAccumulation,
        int checkpointEvery,
        Double beta) {

    public Hyperparameters {
        Require.positive(nEpochs, "Hyperparameters", "n_epochs");
        Require.positive(batchSize, "Hyperparameters", "batch_size");
        Require.positive(seqLen, "Hyperparameters", "seq_len");
        Require.positive(gradientAccumulation, "Hyperparameters", "gradient_accumulation");
        if (!(learningRate > 0)) {
            throw new EventFormatException("Hyperparameters.learning_rate must be > 0, got " + learningRate);
        }
        if (beta != null && !(beta > 0)) {
            throw new EventFormatException("Hyperparameters.beta must be > 0, got " + beta);
        }
    }

    /** Supervised fine-tuning's settings. */
    public Hyperparameters(int nEpochs, int batchSize, double learningRate, int seqLen, double warmupRatio,
                           String scheduler, int gradientAccumulation, int checkpointEvery) {
        this(nEpochs, batchSize, learningRate, seqLen, warmupRatio, scheduler, gradientAccumulation, checkpointEvery, null);
    }

    /** Whether the job trains with DPO (a preference dataset) rather than supervised. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean dpo() {
        return beta != null;
    }
}
