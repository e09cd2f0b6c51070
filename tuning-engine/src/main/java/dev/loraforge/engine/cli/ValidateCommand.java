package dev.loraforge.engine.cli;

import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.ValidationError;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Checks a JSONL dataset the way the job API does at upload, without training. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a JSONL dataset: one line per malformed record, with its line number and reason.")
final class ValidateCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--max-errors", defaultValue = "50", paramLabel = "N", description = "Stop after N errors (default: ${DEFAULT-VALUE}).")
    int maxErrors;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("dataset file not found: " + file);
        }
        DatasetValidator.Result result;
        try (InputStream in = Files.newInputStream(file)) {
            List<ValidationError> errors = DatasetValidator.validate(in, maxErrors);
            if (!errors.isEmpty()) {
                errors.forEach(e -> System.out.println(file + ": " + e));
                return 2;
            }
        }
        try (InputStream in = Files.newInputStream(file)) {
            result = DatasetValidator.parse(in, 1);
        }
        System.out.printf("%s: %d examples, format %s%n", file, result.examples().size(), result.format().name().toLowerCase());
        return 0;
    }
}
