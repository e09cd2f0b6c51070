package dev.loraforge.trainer.mapping;

import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.settings.JobSettings;
import dev.loraforge.engine.train.LrSchedule;
import dev.loraforge.engine.train.TrainConfig;
import dev.loraforge.events.Hyperparameters;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.MethodSpec;
import dev.loraforge.trainer.service.JobFailure;

/**
 * A dispatched job translated into the engine's terms, checked before anything is downloaded:
 * the adapter ({@link LoraConfig}, or the prefix length), the base's quantization for QLoRA, the
 * sequence length and the optimisation settings. Unusable values fail the attempt with
 * {@value JobFailure#INVALID_METHOD} or {@value JobFailure#INVALID_HYPERPARAMETERS} and the engine's
 * message, which names the field.
 *
 * <p>Nothing is defaulted here: job-api resolves every setting with tuning-config's {@code JobSettings} when the
 * job is created, and a dispatch that lacks one fails the attempt naming it (never a silent default that
 * differs from the documented one). The engine's run configuration comes from the same {@code JobSettings}.
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
                    lora = LoraConfig.of(present(m.r(), "r"), present(m.alpha(), "alpha"), present(m.dropout(), "dropout"),
                                    present(m.targetModules(), "target_modules"))
                            .withRslora(present(m.useRslora(), "use_rslora"));
                    if (m.type().equals(QLORA)) {
                        scheme = QuantScheme.parse(present(m.quantization(), "quantization"));
                    }
                }
                case PREFIX -> {
                    virtualTokens = present(m.numVirtualTokens(), "num_virtual_tokens");
                    if (virtualTokens < 1) {
                        throw new IllegalArgumentException("num_virtual_tokens is " + virtualTokens
                                + "; prefix tuning needs at least 1");
                    }
                }
                default -> throw new JobFailure(JobFailure.METHOD_NOT_SUPPORTED, "method '" + m.type()
                        + "' is not supported by this trainer; use lora, qlora or prefix");
            }
        } catch (IllegalArgumentException e) {
            throw new JobFailure(JobFailure.INVALID_METHOD, "method " + m.type() + ": " + e.getMessage());
        }
        if (h.scheduler() == null) {
            throw new JobFailure(JobFailure.INVALID_HYPERPARAMETERS, "scheduler is missing from the dispatched job;"
                    + " job-api resolves it (linear, cosine or constant)");
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
        return training().steps(examples);
    }

    /** The engine's settings for {@code examples} training examples ({@link JobSettings.Training#trainConfig}). */
    public TrainConfig trainConfig(int examples) {
        try {
            return training().trainConfig(examples, seed);
        } catch (IllegalArgumentException e) {
            throw new JobFailure(JobFailure.INVALID_HYPERPARAMETERS, e.getMessage());
        }
    }

    private JobSettings.Training training() {
        return new JobSettings.Training(hyperparameters.nEpochs(), hyperparameters.batchSize(),
                hyperparameters.learningRate(), hyperparameters.seqLen(), hyperparameters.warmupRatio(),
                LrSchedule.Kind.parse(hyperparameters.scheduler()), hyperparameters.gradientAccumulation(),
                hyperparameters.checkpointEvery());
    }

    /** A value the dispatched job must carry: job-api resolved it. */
    private static <T> T present(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is missing from the dispatched job; job-api resolves every"
                    + " setting when the job is created (was it dispatched by an older job-api?)");
        }
        return value;
    }

    /** Whether the job asked for checkpoints every N steps (else only pause / shutdown checkpoints are stored). */
    public boolean periodicCheckpoints() {
        return hyperparameters.checkpointEvery() > 0;
    }
}
