package dev.loraforge.engine.cli;

import dev.loraforge.engine.train.ProgressListener;
import dev.loraforge.engine.train.StepProgress;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/** Draws training progress on a terminal (one redrawn line), or logs a line every few steps elsewhere. */
final class ProgressBar implements ProgressListener {

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean terminal;
    private boolean drawn;

    ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void onStep(StepProgress p) {
        String stats = String.format("step %d/%d  loss %.4f  lr %.2e  %.0f tok/s  eta %s",
                p.step(), p.totalSteps(), p.loss(), p.learningRate(), p.tokensPerSecond(), format(p.eta()));
        if (terminal) {
            int filled = (int) (WIDTH * p.step() / Math.max(1, p.totalSteps()));
            out.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + stats + "   ");
            drawn = true;
        } else {
            long every = Math.max(1, p.totalSteps() / 20);
            if (p.step() % every == 0 || p.step() == p.totalSteps() || p.step() == 1) {
                out.println(stats);
            }
        }
        out.flush();
    }

    @Override
    public void onValidation(long step, double loss, double perplexity, double accuracy) {
        clearLine();
        out.printf("validation at step %d: loss %.4f, perplexity %.2f, mean token accuracy %.4f%n", step, loss, perplexity,
                accuracy);
    }

    @Override
    public void onCheckpoint(long step, Path directory) {
        clearLine();
        out.printf("checkpoint saved: %s%n", directory);
    }

    void finish() {
        clearLine();
        out.flush();
    }

    private void clearLine() {
        if (drawn) {
            out.println();
            drawn = false;
        }
    }

    private static String format(Duration d) {
        long s = d.getSeconds();
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
