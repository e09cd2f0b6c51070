package dev.loraforge.jobapi.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Settings of the job API ({@code jobapi.*}, env {@code JOBAPI_*}). */
@ConfigMapping(prefix = "jobapi")
public interface JobApiConfig {

    /**
     * Bearer key of the admin API ({@code /admin/v1}: tenants and their API keys). Without it the
     * admin API answers 401 to everyone.
     */
    Optional<String> adminKey();

    /** Default limits of new tenants. */
    Limits limits();

    /** Per-tenant limits. */
    interface Limits {
        /** Jobs of one tenant training at once; more wait in the queue. */
        @WithDefault("2")
        int maxRunningJobs();

        /** Jobs of one tenant waiting or training; a create beyond this answers 429. */
        @WithDefault("20")
        int maxQueuedJobs();

        /** Largest training file, in bytes. */
        @WithDefault("104857600")
        long maxFileBytes();
    }

    /** Requests per minute and tenant (0: unlimited); beyond them a 429 with Retry-After. */
    RateLimits rateLimits();

    /** Per-tenant request rates, each a token bucket refilled evenly over the minute, shared by the replicas. */
    interface RateLimits {
        /** {@code POST /v1/fine_tuning/jobs}. */
        @WithDefault("60")
        int createsPerMinute();

        /** {@code POST /v1/files}. */
        @WithDefault("30")
        int uploadsPerMinute();

        /** {@code POST /v1/chat/completions} and {@code /v1/completions}. */
        @WithDefault("600")
        int completionsPerMinute();

        /**
         * Whether the rates hold for all replicas together (buckets in the database) rather than per replica (in
         * memory).
         */
        @WithDefault("true")
        boolean shared();
    }

    /** Base URL of artifact-store. */
    String artifactStoreUrl();

    /** How long a failing call to artifact-store is retried while a request waits (no answer, 5xx, 408, 429). */
    @WithDefault("5s")
    Duration artifactStoreRetry();

    /** Base URL of inference-service (chat completions and completions are served there). */
    @WithDefault("http://127.0.0.1:8084")
    String inferenceUrl();

    /** Longest a completion may take before the request is given up. */
    @WithDefault("10m")
    Duration inferenceTimeout();

    /**
     * Longest inference-service may take to make a merged or GGUF export before it starts answering (the first
     * download of one merges the adapter and converts the model; later ones read the file).
     */
    @WithDefault("60m")
    Duration exportTimeout();

    /** How often the outbox relay looks for unpublished rows. */
    @WithDefault("500ms")
    Duration outboxInterval();

    /** How often waiting jobs are considered for dispatch. */
    @WithDefault("500ms")
    Duration dispatchInterval();

    /** A running attempt silent (no progress, no heartbeat) for this long loses its lease. */
    @WithDefault("30s")
    Duration leaseTimeout();

    /** How often leases are checked. */
    @WithDefault("5s")
    Duration leaseCheckInterval();

    /** How often the operator metrics read from the database (queue depth per tenant, outbox lag) are refreshed. */
    @WithDefault("15s")
    Duration metricsInterval();
}
