package dev.loraforge.trainer.mapping;

import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.train.LrSchedule;
import dev.loraforge.engine.train.TrainConfig;
import dev.loraforge.events.Hyperparameters;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.MethodSpec;
import dev.loraforge.trainer.service.JobFailure;
import java.util.List;

/**
 * A dispatched job translated into the engine's terms, checked before anything is downloaded:
 * the adapter ({@link LoraConfig}, or the prefix length), the base's quantization for QLoRA, the
 * sequence length and the optimisation settings. Unusable values fail the attempt with
 * {@value JobFailure#INVALID_METHOD} or {@value JobFailure#INVALID_HYPERPARAMETERS} and the engine's
 * message, which names the field.
 *
 * <p>Defaults for options job-api left out are PEFT's: r 8, alpha 8, dropout 0, {@code q_proj} and
 * {@code v_proj}; QLoRA quantizes with {@code nf4-dq} (NF4 with double quantization, the QLoRA recipe).
 *
 * @param method        {@code lora}, {@code qlora} or {@code prefix}
 * @param lora          LoRA settings (lora, qlora), else null
 * @param virtualTokens prefix length (prefix), else 0
 * @param scheme        the base's quantization (qlora), else null
 * @param chatTemplateKwargs extra variables for the model's chat template (empty for none)
 */
public record TrainingPlan(String method, LoraConfig lora, int virtualTokens, QuantScheme scheme, int seqLen,
                           Hyperparameters hyperparameters, long seed, java.util.Map<String, Object> chatTemplateKwargs) {

    public TrainingPlan {
        chatTemplateKwargs = chatTemplateKwargs == null ? java.util.Map.of() : chatTemplateKwargs;
    }

    public static final String LORA = "lora";
    public static final String QLORA = "qlora";
    public static final String PREFIX = "prefix";
    public static final QuantScheme DEFAULT_QLORA_SCHEME = QuantScheme.NF4_DQ;

    /** Checks and translates a dispatched job. */
    public static TrainingPlan of(JobDispatched job) {
        MethodSpec m = job.method();
        Hyperparameters h = job.hyperparameters();
        LoraConfig lora = null;
        int virtualTokens = 0;
        QuantScheme scheme = null;
        try {
            switch (m.type()) {
                case LORA, QLORA -> {
                    int r = m.r() == null ? 8 : m.r();
                    lora = LoraConfig.of(r, m.alpha() == null ? 8.0 : m.alpha(), m.dropout() == null ? 0.0 : m.dropout(),
                                    m.targetModules() == null || m.targetModules().isEmpty() ? List.of("q_proj", "v_proj") : m.targetModules())
                            .withRslora(Boolean.TRUE.equals(m.useRslora()));
                    if (m.type().equals(QLORA)) {
                        scheme = m.quantization() == null || m.quantization().isBlank()
                                ? DEFAULT_QLORA_SCHEME : QuantScheme.parse(m.quantization());
                    }
                }
                case PREFIX -> {
                    if (m.numVirtualTokens() == null || m.numVirtualTokens() < 1) {
                        throw new IllegalArgumentException("num_virtual_tokens is " + m.numVirtualTokens()
                                + "; prefix tuning needs at least 1");
                    }
                    virtualTokens = m.numVirtualTokens();
                }
                default -> throw new JobFailure(JobFailure.METHOD_NOT_SUPPORTED, "method '" + m.type()
                        + "' is not supported by this trainer; use lora, qlora or prefix");
            }
        } catch (IllegalArgumentException e) {
            throw new JobFailure(JobFailure.INVALID_METHOD, "method " + m.type() + ": " + e.getMessage());
        }
        if (h.checkpointEvery() < 0) {
            throw new JobFailure(JobFailure.INVALID_HYPERPARAMETERS, "checkpoint_every is " + h.checkpointEvery()
                    + "; it must be >= 0 (0: no intermediate checkpoints)");
        }
        if (!(h.warmupRatio() >= 0 && h.warmupRatio() <= 1)) {
            throw new JobFailure(JobFailure.INVALID_HYPERPARAMETERS, "warmup_ratio is " + h.warmupRatio()
                    + "; it must be between 0 and 1");
        }
        TrainingPlan plan = new TrainingPlan(m.type(), lora, virtualTokens, scheme, h.seqLen(), h, job.seed(),
                job.chatTemplateKwargs());
        plan.trainConfig(1); // the schedule and optimiser checks, before any download
        return plan;
    }

    public boolean quantized() {
        return scheme != null;
    }

    /** Optimizer updates for the job's epochs over {@code examples} examples, as the Hugging Face Trainer counts them. */
    public long steps(int examples) {
        return TrainConfig.stepsForEpochs(hyperparameters.nEpochs(), examples, hyperparameters.batchSize(),
                hyperparameters.gradientAccumulation());
    }

    /**
     * The engine's settings for {@code examples} training examples. Warmup is
     * {@code ceil(warmup_ratio * steps)} updates (the Hugging Face Trainer's rule). The engine always
     * gets a checkpoint interval (the job's, or the whole run when the job asked for none) so that a
     * pause or a shutdown can save the step it reached; validation runs at each requested checkpoint
     * and at the end.
     */
    public TrainConfig trainConfig(int examples) {
        long steps = steps(examples);
        try {
            return TrainConfig.builder()
                    .learningRate(hyperparameters.learningRate())
                    .maxSteps(steps)
                    .batchSize(hyperparameters.batchSize())
                    .gradAccumulation(hyperparameters.gradientAccumulation())
                    .warmupSteps((long) Math.ceil(hyperparameters.warmupRatio() * steps))
                    .schedule(LrSchedule.Kind.parse(hyperparameters.scheduler() == null ? "linear" : hyperparameters.scheduler()))
                    .seed(seed)
                    .checkpointEvery(engineCheckpointEvery(steps))
                    .evalEvery(Math.max(0, hyperparameters.checkpointEvery()))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new JobFailure(JobFailure.INVALID_HYPERPARAMETERS, e.getMessage());
        }
    }

    /** The checkpoint interval handed to the engine (see {@link #trainConfig}). */
    public int engineCheckpointEvery(long steps) {
        return hyperparameters.checkpointEvery() > 0 ? hyperparameters.checkpointEvery() : (int) Math.min(Integer.MAX_VALUE, steps);
    }

    /** Whether the job asked for checkpoints every N steps (else only pause / shutdown checkpoints are stored). */
    public boolean periodicCheckpoints() {
        return hyperparameters.checkpointEvery() > 0;
    }
}
