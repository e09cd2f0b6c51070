package dev.loraforge.engine.cli;

import picocli.CommandLine.Option;

/** {@code --threads}: PyTorch intra-op threads. Must be applied before the engine starts. */
final class EngineOptions {

    @Option(names = "--threads", paramLabel = "N",
            description = "PyTorch intra-op threads (default: all cores).")
    void threads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + n);
        }
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(n));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
}
