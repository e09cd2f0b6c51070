package dev.loraforge.trainer.mapping;

import dev.loraforge.engine.train.StepProgress;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.events.ErrorInfo;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.JobProgress;
import dev.loraforge.events.ResultFile;
import dev.loraforge.trainer.repository.Attempt;
import java.util.LinkedHashMap;
import java.util.Map;

/** The events a worker emits about an attempt, built from the engine's reports. */
public final class EventMapper {

    private EventMapper() {
    }

    public static JobProgress started(Attempt.Key key, String workerId, Integer fromStep) {
        return new JobProgress(key.jobId(), key.attempt(), workerId, JobProgress.Kind.STARTED, fromStep, null, null,
                null, null, null, null, null, fromStep == null || fromStep == 0
                        ? "accepted by " + workerId : "accepted by " + workerId + ", resuming after step " + fromStep);
    }

    public static JobProgress step(Attempt.Key key, String workerId, StepProgress p, long trainedTokens) {
        return new JobProgress(key.jobId(), key.attempt(), workerId, JobProgress.Kind.STEP, (int) p.step(),
                (int) p.totalSteps(), finite(p.loss()), finite(p.learningRate()), finite(p.tokensPerSecond()), trainedTokens,
                p.eta() == null ? null : p.eta().toMillis() / 1000.0, null, "step " + p.step() + "/" + p.totalSteps(),
                finite(p.meanTokenAccuracy()), null);
    }

    public static JobProgress validation(Attempt.Key key, String workerId, long step, long total, double loss,
                                         double perplexity, double accuracy) {
        return new JobProgress(key.jobId(), key.attempt(), workerId, JobProgress.Kind.VALIDATION, (int) step, (int) total,
                null, null, null, null, null, finite(loss),
                String.format("validation at step %d: loss %.4f, perplexity %.3f", step, loss, perplexity),
                null, finite(accuracy));
    }

    public static JobProgress heartbeat(Attempt.Key key, String workerId, long step, long total) {
        return new JobProgress(key.jobId(), key.attempt(), workerId, JobProgress.Kind.HEARTBEAT, (int) step,
                total > 0 ? (int) total : null, null, null, null, null, null, null, null);
    }

    public static JobProgress message(Attempt.Key key, String workerId, String text) {
        return new JobProgress(key.jobId(), key.attempt(), workerId, JobProgress.Kind.MESSAGE, null, null, null, null,
                null, null, null, null, text);
    }

    public static JobProgress paused(Attempt.Key key, String workerId, Integer step, String text) {
        return new JobProgress(key.jobId(), key.attempt(), workerId, JobProgress.Kind.PAUSED, step, null, null, null,
                null, null, null, null, text);
    }

    public static CheckpointSaved checkpoint(Attempt.Key key, String workerId, int step, ArtifactRef ref,
                                             Map<String, Double> metrics) {
        return new CheckpointSaved(key.jobId(), key.attempt(), workerId, step, ref, metrics);
    }

    public static JobOutcome succeeded(Attempt.Key key, String workerId, ArtifactRef adapter, long trainedTokens,
                                       Map<String, Double> metrics, String engineVersion, ResultFile resultFile) {
        return new JobOutcome(key.jobId(), key.attempt(), workerId, JobOutcome.Status.SUCCEEDED, adapter, trainedTokens,
                metrics, engineVersion, null, resultFile);
    }

    public static JobOutcome failed(Attempt.Key key, String workerId, String code, String message, String engineVersion) {
        return new JobOutcome(key.jobId(), key.attempt(), workerId, JobOutcome.Status.FAILED, null, null, null,
                engineVersion, new ErrorInfo(code, message));
    }

    /** {@code steps}: the optimizer updates done when it stopped. */
    public static JobOutcome cancelled(Attempt.Key key, String workerId, long steps, Long trainedTokens) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("steps", (double) steps);
        return new JobOutcome(key.jobId(), key.attempt(), workerId, JobOutcome.Status.CANCELLED, null, trainedTokens,
                metrics, null, null);
    }

    /** Only finite numbers travel (JSON has no NaN, artifact-store wants numbers). */
    public static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Puts {@code value} when it is a finite number. */
    public static void putFinite(Map<String, Double> metrics, String key, double value) {
        if (Double.isFinite(value)) {
            metrics.put(key, value);
        }
    }
}
