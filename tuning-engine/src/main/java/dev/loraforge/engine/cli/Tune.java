package dev.loraforge.engine.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tune} command line: create a model, fine-tune an adapter, score one on a dataset, compute logits,
 * generate, merge, export (merged directory or GGUF) and inspect. Run it as {@code bin/tune} from the repository root.
 */
@Command(name = "tune", mixinStandardHelpOptions = true, version = "tune 0.1.0",
        description = "LoRA / QLoRA / prefix fine-tuning of Llama-family models on DJL (PyTorch engine).",
        subcommands = {InitModelCommand.class, TrainCommand.class, QuantizeCommand.class, LogitsCommand.class, GenerateCommand.class,
                MergeCommand.class, ExportCommand.class, InspectCommand.class, ValidateCommand.class, PreviewCommand.class, EvalCommand.class, BenchCommand.class, BenchNf4Command.class, CommandLine.HelpCommand.class})
public final class Tune implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (0 ok, 1 failure, 2 bad usage or input). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Tune());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            boolean badInput = ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                    || ex instanceof java.io.UncheckedIOException || ex instanceof java.io.IOException;
            err.println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (System.getenv("TUNE_DEBUG") != null) {
                ex.printStackTrace(err);
            } else if (!badInput) {
                err.println("(set TUNE_DEBUG=1 for the stack trace)");
            }
            err.flush();
            return badInput ? 2 : 1;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
