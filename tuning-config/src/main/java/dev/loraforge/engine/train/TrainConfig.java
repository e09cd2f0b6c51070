package dev.loraforge.engine.train;

/**
 * Hyperparameters of one fine-tuning run, checked on construction (each message names the field).
 * Defaults follow Hugging Face {@code TrainingArguments} where it has one (AdamW betas 0.9/0.999,
 * eps 1e-8, weight decay 0, max grad norm 1.0, linear schedule, no warmup).
 *
 * @param learningRate     peak learning rate
 * @param maxSteps         optimizer updates in the run (see {@link #stepsForEpochs})
 * @param batchSize        examples per micro-batch
 * @param gradAccumulation micro-batches per optimizer update
 * @param warmupSteps      linear warmup updates
 * @param schedule         decay after warmup
 * @param weightDecay      decoupled weight decay (AdamW)
 * @param beta1            AdamW beta1
 * @param beta2            AdamW beta2
 * @param eps              AdamW epsilon
 * @param maxGradNorm      clip the global gradient norm to this; 0 = no clipping
 * @param seed             seed for data order and dropout
 * @param checkpointEvery  save a checkpoint every N updates; 0 = never
 * @param evalEvery        validation every N updates; 0 = only at the end
 * @param shuffle          shuffle the examples each epoch
 * @param gradientCheckpointing recompute each decoder layer in the backward pass instead of keeping its
 *                         activations (transformers' {@code gradient_checkpointing}): less memory for long
 *                         sequences, one more forward pass of compute. Always on for quantized bases,
 *                         whose dequantized weights must not all be alive at once.
 * @param packing          pack each batch's examples into as few rows as fit the longest of them (first-fit
 *                         decreasing), positions restarting and attention kept inside each example (TRL's
 *                         padding-free packing): the same examples per step and the same loss, less padding
 */
public record TrainConfig(double learningRate, long maxSteps, int batchSize, int gradAccumulation, long warmupSteps,
        LrSchedule.Kind schedule, double weightDecay, double beta1, double beta2, double eps, double maxGradNorm,
        long seed, int checkpointEvery, int evalEvery, boolean shuffle, boolean gradientCheckpointing,
        boolean packing) {

    public TrainConfig {
        require(learningRate > 0 && Double.isFinite(learningRate), "learning_rate", learningRate, "a positive number");
        require(maxSteps >= 1, "max_steps", maxSteps, "at least 1");
        require(batchSize >= 1, "batch_size", batchSize, "at least 1");
        require(gradAccumulation >= 1, "gradient_accumulation_steps", gradAccumulation, "at least 1");
        require(warmupSteps >= 0 && warmupSteps <= maxSteps, "warmup_steps", warmupSteps, "between 0 and max_steps (" + maxSteps + ")");
        require(schedule != null, "lr_scheduler_type", null, "linear, cosine or constant");
        require(weightDecay >= 0, "weight_decay", weightDecay, ">= 0");
        require(beta1 >= 0 && beta1 < 1, "adam_beta1", beta1, "in [0, 1)");
        require(beta2 >= 0 && beta2 < 1, "adam_beta2", beta2, "in [0, 1)");
        require(eps > 0, "adam_epsilon", eps, "> 0");
        require(maxGradNorm >= 0, "max_grad_norm", maxGradNorm, ">= 0 (0 disables clipping)");
        require(checkpointEvery >= 0, "checkpoint_every", checkpointEvery, ">= 0 (0 disables checkpoints)");
        require(evalEvery >= 0, "eval_every", evalEvery, ">= 0 (0 = only at the end)");
    }

    private static void require(boolean ok, String field, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(field + " is " + value + "; it must be " + expected);
        }
    }

    /**
     * Optimizer updates for {@code epochs} passes over {@code examples} examples, as the Hugging Face
     * Trainer counts them: {@code ceil(epochs * max(1, batches_per_epoch // gradient_accumulation_steps))}.
     */
    public static long stepsForEpochs(double epochs, int examples, int batchSize, int gradAccumulation) {
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs is " + epochs + "; it must be > 0");
        }
        long batchesPerEpoch = (examples + batchSize - 1) / batchSize;
        long updatesPerEpoch = Math.max(1, batchesPerEpoch / gradAccumulation);
        return Math.max(1, (long) Math.ceil(epochs * updatesPerEpoch));
    }

    public LrSchedule lrSchedule() {
        return new LrSchedule(schedule, warmupSteps, maxSteps);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().learningRate(learningRate).maxSteps(maxSteps).batchSize(batchSize)
                .gradAccumulation(gradAccumulation).warmupSteps(warmupSteps).schedule(schedule).weightDecay(weightDecay)
                .betas(beta1, beta2).eps(eps).maxGradNorm(maxGradNorm).seed(seed).checkpointEvery(checkpointEvery)
                .evalEvery(evalEvery).shuffle(shuffle).gradientCheckpointing(gradientCheckpointing).packing(packing);
    }

    /** Builder with the defaults listed on the record. */
    public static final class Builder {
        private double learningRate = 2e-4;
        private long maxSteps = 100;
        private int batchSize = 4;
        private int gradAccumulation = 1;
        private long warmupSteps;
        private LrSchedule.Kind schedule = LrSchedule.Kind.LINEAR;
        private double weightDecay;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double maxGradNorm = 1.0;
        private long seed = 42;
        private int checkpointEvery;
        private int evalEvery;
        private boolean shuffle = true;
        private boolean gradientCheckpointing;
        private boolean packing;

        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder maxSteps(long v) { maxSteps = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder gradAccumulation(int v) { gradAccumulation = v; return this; }
        public Builder warmupSteps(long v) { warmupSteps = v; return this; }
        public Builder schedule(LrSchedule.Kind v) { schedule = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder betas(double b1, double b2) { beta1 = b1; beta2 = b2; return this; }
        public Builder eps(double v) { eps = v; return this; }
        public Builder maxGradNorm(double v) { maxGradNorm = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder shuffle(boolean v) { shuffle = v; return this; }
        public Builder gradientCheckpointing(boolean v) { gradientCheckpointing = v; return this; }
        public Builder packing(boolean v) { packing = v; return this; }

        public TrainConfig build() {
            return new TrainConfig(learningRate, maxSteps, batchSize, gradAccumulation, warmupSteps, schedule,
                    weightDecay, beta1, beta2, eps, maxGradNorm, seed, checkpointEvery, evalEvery, shuffle,
                    gradientCheckpointing, packing);
        }
    }
}
