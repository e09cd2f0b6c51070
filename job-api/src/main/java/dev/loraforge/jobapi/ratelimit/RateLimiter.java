package dev.loraforge.jobapi.ratelimit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-tenant, per-kind request rates ({@link TokenBucket}s, created on first use). In memory: each job-api instance
 * counts its own requests, so N replicas behind a balancer allow up to N times the rate; {@link SharedRateLimiter}
 * counts them together and falls back to this one while the database is unreachable.
 */
public final class RateLimiter {

    /** What a check decided: allowed, or refused with the seconds until a retry can pass. */
    public record Decision(boolean allowed, int limit, int remaining, long retryAfterSeconds) {
    }

    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    public RateLimiter(LongSupplier nanoClock) {
        this.clock = nanoClock;
    }

    /** One request of {@code kind} by {@code tenant} under a limit of {@code perMinute} (0 or less: unlimited). */
    public Decision take(String tenant, String kind, int perMinute) {
        if (perMinute <= 0) {
            return new Decision(true, 0, 0, 0);
        }
        long now = clock.getAsLong();
        TokenBucket bucket = buckets.compute(tenant + "\u0000" + kind,
                (k, b) -> b == null || b.capacity() != perMinute ? new TokenBucket(perMinute, now) : b);
        synchronized (bucket) {
            long wait = bucket.take(now);
            int remaining = bucket.remaining(now);
            return wait == 0 ? new Decision(true, perMinute, remaining, 0)
                    : new Decision(false, perMinute, remaining, Math.max(1, (wait + 999_999_999L) / 1_000_000_000L));
        }
    }
}
