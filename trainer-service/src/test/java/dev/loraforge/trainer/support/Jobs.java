package dev.loraforge.trainer.support;

import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventSamples;
import dev.loraforge.events.Hyperparameters;
import dev.loraforge.events.JobControl;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.MethodSpec;
import java.util.UUID;

/**
 * Dispatched jobs and control requests as job-api sends them, made from the golden samples of
 * event-contracts with the inputs pointing at {@link StandInArtifactStore}.
 */
public final class Jobs {

    private static final String SOURCE = "/loraforge/job-api";

    private Jobs() {
    }

    public static String newJobId() {
        return "ftjob-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** The golden sample's method (LoRA r 8, alpha 16, dropout 0.05 on q_proj and v_proj). */
    public static MethodSpec sampleMethod() {
        return EventSamples.sample(JobDispatched.class).data().method();
    }

    /**
     * The golden {@code job_dispatched} sample for {@code jobId} (attempt 1), training the tiny base
     * model on {@code training} (and {@code validation}, may be null) with {@code hyperparameters}.
     */
    public static JobDispatched dispatched(String jobId, ArtifactRef training, ArtifactRef validation,
                                           Hyperparameters hyperparameters) {
        JobDispatched sample = EventSamples.sample(JobDispatched.class).data();
        return new JobDispatched(jobId, TrainingFixtures.TENANT, 1, TrainingFixtures.MODEL_NAME,
                TrainingFixtures.baseModel(), null, training, validation, sample.method(), hyperparameters,
                sample.seed(), sample.suffix(), null);
    }

    /** The same job re-dispatched as attempt {@code attempt}. */
    public static JobDispatched withAttempt(JobDispatched job, int attempt) {
        return new JobDispatched(job.jobId(), job.tenantId(), attempt, job.model(), job.baseModel(), job.quantizedModel(),
                job.trainingFile(), job.validationFile(), job.method(), job.hyperparameters(), job.seed(), job.suffix(),
                job.resumeFrom());
    }

    /** The same job continuing the fine-tuned model whose adapter is {@code initAdapter}, trained with {@code method}. */
    public static JobDispatched continuing(JobDispatched job, ArtifactRef initAdapter, MethodSpec method) {
        return new JobDispatched(job.jobId(), job.tenantId(), job.attempt(), job.model(), job.baseModel(),
                job.quantizedModel(), job.trainingFile(), job.validationFile(), method, job.hyperparameters(), job.seed(),
                job.suffix(), job.resumeFrom(), job.chatTemplateKwargs(), initAdapter);
    }

    /** Hyperparameters: batch 2, seq_len 64, no warmup, linear decay, no gradient accumulation. */
    public static Hyperparameters hyperparameters(int epochs, double learningRate, int checkpointEvery) {
        return new Hyperparameters(epochs, 2, learningRate, 64, 0.0, "linear", 1, checkpointEvery);
    }

    /** The CloudEvents JSON job-api publishes on {@code loraforge.job.dispatch}. */
    public static String json(JobDispatched job) {
        return EventCodec.encode(EventCodec.envelope(SOURCE, job.jobId(), job));
    }

    /** The CloudEvents JSON of a control request on {@code loraforge.job.control}. */
    public static String json(JobControl control) {
        return EventCodec.encode(EventCodec.envelope(SOURCE, control.jobId(), control));
    }
}
