package dev.loraforge.engine.train;

import java.time.Duration;

/**
 * One optimizer update as reported to a {@link ProgressListener}.
 *
 * @param step            updates done (1-based)
 * @param totalSteps      updates in the run
 * @param loss            mean token loss of this update's batches
 * @param meanTokenAccuracy share of this update's counted target tokens that were the model's most likely
 *                        token (argmax), NaN when none counted
 * @param learningRate    learning rate used by this update
 * @param gradNorm        global gradient norm before clipping
 * @param tokensPerSecond real (non-padding) tokens per second of training time so far
 * @param eta             estimated time to the end of the run
 * @param epoch           epoch the next batch comes from (0-based)
 */
public record StepProgress(long step, long totalSteps, double loss, double meanTokenAccuracy, double learningRate, double gradNorm,
        double tokensPerSecond, Duration eta, int epoch) {
}
