package dev.loraforge.engine.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's per-step metrics as the CSV that OpenAI attaches to a fine-tuning job as its result file:
 * a header {@code step,train_loss,train_mean_token_accuracy,valid_loss,valid_mean_token_accuracy}, then one
 * row per optimizer update (step 1 first). Validation columns are filled on the steps where a validation pass
 * ran (the last one after the final step) and empty elsewhere; an unknown accuracy (a step resumed from a
 * checkpoint that did not record it) is empty too. Numbers are written in plain decimal notation, exactly
 * as the double they hold (the shortest text that reads back to it).
 */
public final class StepMetricsCsv {

    /** The file name OpenAI gives the result file. */
    public static final String FILE_NAME = "step_metrics.csv";
    public static final String HEADER = "step,train_loss,train_mean_token_accuracy,valid_loss,valid_mean_token_accuracy";

    private StepMetricsCsv() {
    }

    /** The CSV text of a result (lines end with {@code \n}). */
    public static String of(TrainResult result) {
        return of(result.losses(), result.accuracies(), result.validations());
    }

    /**
     * @param losses      loss of each update, step 1 first
     * @param accuracies  mean token accuracy of each update (null where unknown); may be shorter than losses
     *                    (missing values are the first steps' ones)
     * @param validations validation passes; at most one per step is written (the last of that step)
     */
    public static String of(List<Double> losses, List<Double> accuracies, List<TrainState.ValidationPoint> validations) {
        Map<Long, TrainState.ValidationPoint> byStep = new HashMap<>();
        for (TrainState.ValidationPoint v : validations) {
            byStep.put(v.step(), v);
        }
        int missing = Math.max(0, losses.size() - accuracies.size());
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (int i = 0; i < losses.size(); i++) {
            long step = i + 1L;
            Double accuracy = i < missing ? null : accuracies.get(i - missing);
            TrainState.ValidationPoint v = byStep.get(step);
            csv.append(step).append(',').append(number(losses.get(i))).append(',').append(number(accuracy)).append(',')
                    .append(v == null ? "" : number(v.loss())).append(',').append(v == null ? "" : number(v.accuracy()))
                    .append('\n');
        }
        return csv.toString();
    }

    /** Writes {@link #of(TrainResult)} to {@code file} (UTF-8). */
    public static Path write(TrainResult result, Path file) {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(of(result));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String number(Double value) {
        if (value == null || !Double.isFinite(value)) {
            return "";
        }
        return new BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString();
    }
}
