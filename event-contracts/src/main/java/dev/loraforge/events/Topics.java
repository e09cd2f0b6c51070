package dev.loraforge.events;

import java.util.List;

/**
 * Kafka topic names of the platform. Every topic carries CloudEvents in structured JSON mode
 * ({@link EventEnvelope}); the record key is the job id (or the quantization pair), so all events
 * of one job stay ordered in one partition.
 */
public final class Topics {

    /** job-api -> trainer-service: a job (or a new attempt of it) is ready to train. */
    public static final String JOB_DISPATCH = "loraforge.job.dispatch";
    /** job-api -> trainer-service: cancel / pause requests for a job. */
    public static final String JOB_CONTROL = "loraforge.job.control";
    /** trainer-service -> job-api: step, loss, learning rate, throughput, ETA, status changes. */
    public static final String JOB_PROGRESS = "loraforge.job.progress";
    /** trainer-service -> job-api, artifact-store: a checkpoint was stored. */
    public static final String CHECKPOINTS = "loraforge.job.checkpoint";
    /** trainer-service -> job-api, artifact-store: the final outcome of an attempt. */
    public static final String JOB_OUTCOME = "loraforge.job.outcome";
    /** job-api / artifact-store -> quant-service: quantize a base model with a scheme. */
    public static final String QUANT_REQUEST = "loraforge.quant.request";
    /** quant-service -> job-api, artifact-store: the quantization result. */
    public static final String QUANT_OUTCOME = "loraforge.quant.outcome";

    /** Every topic with the partition count the services create it with. */
    public static final List<TopicSpec> ALL = List.of(
            new TopicSpec(JOB_DISPATCH, 4),
            new TopicSpec(JOB_CONTROL, 4),
            new TopicSpec(JOB_PROGRESS, 4),
            new TopicSpec(CHECKPOINTS, 4),
            new TopicSpec(JOB_OUTCOME, 4),
            new TopicSpec(QUANT_REQUEST, 2),
            new TopicSpec(QUANT_OUTCOME, 2));

    /** A topic and its partition count. */
    public record TopicSpec(String name, int partitions) {
    }

    private Topics() {
    }
}
