package dev.loraforge.engine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of a run.
 *
 * @param status          {@code completed} or {@code cancelled}
 * @param steps           optimizer updates done (including those before a resume)
 * @param totalSteps      updates planned
 * @param losses          loss of every update, step 1 first (restored from the checkpoint on resume)
 * @param accuracies      mean token accuracy of every update, step 1 first (null where unknown)
 * @param validations     every validation pass, the last one at the end of a completed run
 * @param tokensPerSecond real tokens per second of training time in this process
 * @param trainTokens     real tokens trained on in this process
 * @param seconds         training time in this process (excludes validation and checkpoints)
 * @param lastCheckpoint  the newest checkpoint directory, or null
 */
public record TrainResult(String status, long steps, long totalSteps, List<Double> losses, List<Double> accuracies,
        List<TrainState.ValidationPoint> validations, double tokensPerSecond, long trainTokens, double seconds,
        Path lastCheckpoint) {

    public static final String COMPLETED = "completed";
    public static final String CANCELLED = "cancelled";

    public TrainResult {
        losses = List.copyOf(losses);
        accuracies = Collections.unmodifiableList(new ArrayList<>(accuracies));
        validations = List.copyOf(validations);
    }

    /** Last validation loss, NaN without validation data. */
    public double valLoss() {
        return validations.isEmpty() ? Double.NaN : validations.get(validations.size() - 1).loss();
    }

    /** Last validation mean token accuracy, NaN without validation data. */
    public double validMeanTokenAccuracy() {
        if (validations.isEmpty() || validations.get(validations.size() - 1).accuracy() == null) {
            return Double.NaN;
        }
        return validations.get(validations.size() - 1).accuracy();
    }

    /** Mean token accuracy of the last update (NaN when unknown). */
    public double finalMeanTokenAccuracy() {
        Double last = accuracies.isEmpty() ? null : accuracies.get(accuracies.size() - 1);
        return last == null ? Double.NaN : last;
    }

    /** Mean of the per-update losses (Hugging Face's {@code train_loss}). */
    public double trainLoss() {
        return losses.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Loss of the last update. */
    public double finalLoss() {
        return losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1);
    }

    /** exp(validation loss). */
    public double perplexity() {
        return Math.exp(valLoss());
    }

    /** The metrics JSON object (snake_case keys; NaN values become null). */
    public Map<String, Object> metrics() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("steps", steps);
        m.put("total_steps", totalSteps);
        m.put("train_loss", finite(trainLoss()));
        m.put("final_loss", finite(finalLoss()));
        m.put("train_mean_token_accuracy", finite(finalMeanTokenAccuracy()));
        m.put("val_loss", finite(valLoss()));
        m.put("valid_mean_token_accuracy", finite(validMeanTokenAccuracy()));
        m.put("perplexity", finite(perplexity()));
        m.put("tokens_per_second", finite(tokensPerSecond));
        m.put("train_tokens", trainTokens);
        m.put("time_seconds", seconds);
        m.put("checkpoint", lastCheckpoint == null ? null : lastCheckpoint.toString());
        return m;
    }

    /** Writes a metrics map as pretty JSON. */
    public static void writeMetrics(Path file, Map<String, Object> metrics) {
        try {
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), metrics);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
