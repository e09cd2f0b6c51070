package dev.loraforge.events;

/**
 * Progress of a job attempt (topic {@link Topics#JOB_PROGRESS}). Progress events double as the
 * attempt's lease heartbeat. Numbers that do not apply to a {@code kind} are null.
 *
 * @param kind            what happened: started, a training step, a validation pass, a heartbeat, a message
 * @param etaSeconds      estimated seconds to the end of training
 * @param meanTokenAccuracy share of the step's trained tokens the model predicted (argmax), STEP only
 * @param validationMeanTokenAccuracy the same over the validation examples, VALIDATION only
 */
public record JobProgress(
        String jobId,
        int attempt,
        String workerId,
        Kind kind,
        Integer step,
        Integer totalSteps,
        Double loss,
        Double learningRate,
        Double tokensPerSecond,
        Long trainedTokens,
        Double etaSeconds,
        Double validationLoss,
        String message,
        Double meanTokenAccuracy,
        Double validationMeanTokenAccuracy) {

    /**
     * The kind of progress report. {@code PAUSED}: the attempt stopped at {@code step} after saving
     * a checkpoint, on a pause request; a resume is a new attempt from that checkpoint.
     */
    public enum Kind { STARTED, STEP, VALIDATION, HEARTBEAT, MESSAGE, PAUSED }

    public JobProgress {
        Require.text(jobId, "JobProgress", "job_id");
        Require.positive(attempt, "JobProgress", "attempt");
        Require.text(workerId, "JobProgress", "worker_id");
        Require.present(kind, "JobProgress", "kind");
    }

    /** Progress without token accuracies. */
    public JobProgress(String jobId, int attempt, String workerId, Kind kind, Integer step, Integer totalSteps, Double loss,
            Double learningRate, Double tokensPerSecond, Long trainedTokens, Double etaSeconds, Double validationLoss,
            String message) {
        this(jobId, attempt, workerId, kind, step, totalSteps, loss, learningRate, tokensPerSecond, trainedTokens,
                etaSeconds, validationLoss, message, null, null);
    }
}
