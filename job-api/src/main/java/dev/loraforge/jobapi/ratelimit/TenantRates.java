package dev.loraforge.jobapi.ratelimit;

import dev.loraforge.jobapi.config.JobApiConfig;
import jakarta.enterprise.context.ApplicationScoped;

/** The configured per-tenant rates and the one limiter of this job-api instance that counts against them. */
@ApplicationScoped
public class TenantRates {

    private final RateLimiter limiter = new RateLimiter(System::nanoTime);
    private final JobApiConfig config;

    public TenantRates(JobApiConfig config) {
        this.config = config;
    }

    JobApiConfig.RateLimits limits() {
        return config.rateLimits();
    }

    RateLimiter limiter() {
        return limiter;
    }
}
