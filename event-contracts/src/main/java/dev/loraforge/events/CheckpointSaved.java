package dev.loraforge.events;

import java.util.Map;

/**
 * A checkpoint of a job attempt stored in artifact-store (topic {@link Topics#CHECKPOINTS}).
 *
 * @param metrics e.g. {@code train_loss}, {@code valid_loss}, {@code full_valid_loss}
 */
public record CheckpointSaved(
        String jobId,
        int attempt,
        String workerId,
        int step,
        ArtifactRef checkpoint,
        Map<String, Double> metrics) {

    public CheckpointSaved {
        Require.text(jobId, "CheckpointSaved", "job_id");
        Require.positive(attempt, "CheckpointSaved", "attempt");
        Require.text(workerId, "CheckpointSaved", "worker_id");
        Require.positive(step, "CheckpointSaved", "step");
        Require.present(checkpoint, "CheckpointSaved", "checkpoint");
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }
}
