package dev.loraforge.jobapi.ratelimit;

import dev.loraforge.jobapi.config.JobApiConfig;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The configured per-tenant rates and what counts against them: the buckets all replicas share in the database
 * ({@link SharedRateLimiter}, {@code jobapi.rate-limits.shared}, the default), or this instance's own
 * ({@link RateLimiter}).
 */
@ApplicationScoped
public class TenantRates {

    private final RateLimiter local = new RateLimiter(System::nanoTime);
    private final SharedRateLimiter shared;
    private final JobApiConfig config;

    public TenantRates(JobApiConfig config, SharedRateLimiter shared) {
        this.config = config;
        this.shared = shared;
    }

    JobApiConfig.RateLimits limits() {
        return config.rateLimits();
    }

    /** One request of {@code kind} by {@code tenant} under a limit of {@code perMinute} (0 or less: unlimited). */
    RateLimiter.Decision take(String tenant, String kind, int perMinute) {
        return config.rateLimits().shared() ? shared.take(tenant, kind, perMinute) : local.take(tenant, kind, perMinute);
    }
}
