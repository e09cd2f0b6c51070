package dev.loraforge.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings of a trainer worker ({@code trainer.*}, env {@code TRAINER_*}). */
@ConfigMapping(prefix = "trainer")
public interface TrainerConfig {

    /** This worker's id in events and leases; the host name and process id when unset. */
    Optional<String> workerId();

    /** Base URL of artifact-store. */
    String artifactStoreUrl();

    /** Scratch directory: {@code models/<digest>} (unpacked models, reused by later jobs) and {@code jobs/} (one attempt's files). */
    Path workDir();

    /** Intra-op threads the engine trains with (PyTorch's num_threads; read once, at start). */
    @WithDefault("2")
    int threads();

    /**
     * Where attempts train: {@code auto} (the first CUDA device when PyTorch sees one, else the CPU), {@code cpu},
     * {@code cuda} or {@code cuda:N}. A CUDA device that is not there stops the worker at start with the reason.
     */
    @WithDefault("auto")
    String device();

    /** Attempts this process trains at once. Keep 1 unless the machine has cores for more (each attempt uses {@code threads}). */
    @WithDefault("1")
    int concurrency();

    /** A running attempt's heartbeat: HEARTBEAT progress event, heartbeat_at and a look at its control flags. */
    @WithDefault("5s")
    Duration heartbeatInterval();

    /** How often an idle worker looks for a pending attempt (it is also woken at once by this process' dispatch consumer). */
    @WithDefault("1s")
    Duration pollInterval();

    /** Smallest gap between two STEP progress events of one attempt (the last step is always sent); 0 sends every step. */
    @WithDefault("500ms")
    Duration progressInterval();

    /** How long an upload or registration in artifact-store is retried before the attempt gives up. */
    @WithDefault("2m")
    Duration artifactStoreRetry();
}
