package dev.loraforge.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StepMetricsCsvTest {

    @Test
    void oneRowPerStepWithValidationOnlyWhereItRan() {
        List<TrainState.ValidationPoint> validations = List.of(
                new TrainState.ValidationPoint(2, 1.25, 0.5), new TrainState.ValidationPoint(3, 0.875, null));
        String csv = StepMetricsCsv.of(List.of(2.5, 1.0e-7, 0.1), Arrays.asList(0.25, null, 1.0), validations);
        assertEquals("""
                step,train_loss,train_mean_token_accuracy,valid_loss,valid_mean_token_accuracy
                1,2.5,0.25,,
                2,0.0000001,,1.25,0.5
                3,0.1,1,0.875,
                """, csv);
    }

    @Test
    void accuraciesMissingFromAnOlderCheckpointLeaveTheFirstStepsEmpty() {
        String csv = StepMetricsCsv.of(List.of(3.0, 2.0, 1.0), List.of(0.75), List.of());
        assertEquals(List.of("1,3,,,", "2,2,,,", "3,1,0.75,,"), csv.lines().skip(1).toList());
    }

    @Test
    void nonFiniteValuesAreEmptyAndNumbersReadBackExactly(@TempDir Path dir) throws Exception {
        double loss = 0.1 + 0.2; // 0.30000000000000004
        TrainResult r = new TrainResult(TrainResult.COMPLETED, 2, 2, List.of(loss, Double.NaN), Arrays.asList(0.5, 0.0),
                List.of(new TrainState.ValidationPoint(2, Double.POSITIVE_INFINITY, 0.125)), 10, 100, 1, null);
        Path file = StepMetricsCsv.write(r, dir.resolve(StepMetricsCsv.FILE_NAME));
        List<String> lines = Files.readAllLines(file);
        assertEquals(StepMetricsCsv.HEADER, lines.get(0));
        assertEquals(loss, Double.parseDouble(lines.get(1).split(",")[1]), 0);
        assertEquals("2,,0,,0.125", lines.get(2));
    }
}
