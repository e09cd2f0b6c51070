package dev.loraforge.engine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory from /proc/self/status (Linux); -1 where that file does not exist. */
final class ProcessMemory {

    private ProcessMemory() {
    }

    /** Peak resident set size so far (VmHWM), bytes. */
    static long peakRssBytes() {
        return field("VmHWM:");
    }

    /**
     * Starts the peak (VmHWM) over from the current resident size (Linux: "5" to /proc/self/clear_refs), so that
     * a later {@link #peakRssBytes} covers only what follows; false where the kernel does not allow it.
     */
    static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Current resident set size (VmRSS), bytes. */
    static long rssBytes() {
        return field("VmRSS:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).replace("kB", "").trim()) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
