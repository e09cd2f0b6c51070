package dev.loraforge.engine.cli;

import ai.djl.Device;
import dev.loraforge.engine.model.DeviceSpec;
import picocli.CommandLine.Option;

/**
 * Options of every command that computes: {@code --threads} (PyTorch intra-op threads, applied before the engine
 * starts) and {@code --device auto|cpu|cuda|cuda:N}. Asking for CUDA where PyTorch sees none exits 2 with the
 * reason.
 */
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

    private DeviceSpec device = DeviceSpec.AUTO;

    @Option(names = "--device", paramLabel = "auto|cpu|cuda|cuda:N",
            description = "Where to compute (default: auto, the first CUDA device when PyTorch sees one, else the CPU).")
    void device(String spec) {
        this.device = DeviceSpec.parse(spec);
    }

    /** The device asked for, resolved on this machine. */
    Device device() {
        try {
            return device.resolve();
        } catch (DeviceSpec.Unavailable e) {
            throw new IllegalArgumentException("--device: " + e.getMessage(), e);
        }
    }
}
