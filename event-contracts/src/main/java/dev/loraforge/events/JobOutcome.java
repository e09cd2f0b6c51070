package dev.loraforge.events;

import java.util.Map;

/**
 * The end of a job attempt (topic {@link Topics#JOB_OUTCOME}).
 *
 * @param adapter        the PEFT adapter archive stored in artifact-store (succeeded only)
 * @param engineVersion  the tuning-engine version that trained it (lineage)
 * @param error          why it failed (failed only)
 * @param resultFile     the per-step metrics CSV (succeeded only; absent from trainers that predate it)
 */
public record JobOutcome(
        String jobId,
        int attempt,
        String workerId,
        Status status,
        ArtifactRef adapter,
        Long trainedTokens,
        Map<String, Double> metrics,
        String engineVersion,
        ErrorInfo error,
        ResultFile resultFile) {

    /** Terminal statuses, as OpenAI names them. */
    public enum Status { SUCCEEDED, FAILED, CANCELLED }

    public JobOutcome {
        Require.text(jobId, "JobOutcome", "job_id");
        Require.positive(attempt, "JobOutcome", "attempt");
        Require.text(workerId, "JobOutcome", "worker_id");
        Require.present(status, "JobOutcome", "status");
        if (status == Status.SUCCEEDED && adapter == null) {
            throw new EventFormatException("JobOutcome.adapter is required when status is SUCCEEDED");
        }
        if (status == Status.FAILED && error == null) {
            throw new EventFormatException("JobOutcome.error is required when status is FAILED");
        }
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }

    /** An outcome without a result file. */
    public JobOutcome(String jobId, int attempt, String workerId, Status status, ArtifactRef adapter, Long trainedTokens,
            Map<String, Double> metrics, String engineVersion, ErrorInfo error) {
        this(jobId, attempt, workerId, status, adapter, trainedTokens, metrics, engineVersion, error, null);
    }
}
