package dev.loraforge.quant.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings of the quantization worker ({@code quant.*}, env {@code QUANT_*}). */
@ConfigMapping(prefix = "quant")
public interface QuantConfig {

    /** Base URL of artifact-store. */
    String artifactStoreUrl();

    /** How long a call to artifact-store that fails for a passing reason (no answer, 5xx) is retried. */
    @WithDefault("2m")
    Duration artifactStoreRetry();

    /** Scratch directory for models being quantized (each run works in a sub-directory it removes). */
    Path workDir();

    /** Quantizations this process runs at the same time. */
    @WithDefault("1")
    int concurrency();

    /** Name of this worker in the {@code owner} column; a random suffix tells its processes apart. Default: the host name. */
    Optional<String> workerId();

    /** How often a running quantization refreshes its row's heartbeat. */
    @WithDefault("15s")
    Duration heartbeatInterval();

    /** A {@code running} row whose heartbeat is older than this is taken over (its process is presumed dead). */
    @WithDefault("2m")
    Duration leaseTimeout();

    /** How often pending rows and rows with an expired lease are looked for (also once at start). */
    @WithDefault("30s")
    Duration sweepInterval();
}
