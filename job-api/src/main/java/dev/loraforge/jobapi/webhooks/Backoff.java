package dev.loraforge.jobapi.webhooks;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: after the n-th failed attempt the next one waits a
 * uniformly random time in [0, min(cap, base * 2^(n-1))], so retries of many deliveries that
 * failed together spread out instead of arriving at the receiver in waves.
 */
final class Backoff {

    private final long baseMs;
    private final long capMs;
    private final RandomGenerator random;

    Backoff(Duration base, Duration cap, RandomGenerator random) {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < base <= cap, got base " + base + ", cap " + cap);
        }
        this.baseMs = base.toMillis();
        this.capMs = cap.toMillis();
        this.random = random;
    }

    /** The longest delay after the {@code failedAttempts}-th failed attempt (1 for the first). */
    Duration ceiling(int failedAttempts) {
        if (failedAttempts < 1) {
            throw new IllegalArgumentException("failedAttempts starts at 1, got " + failedAttempts);
        }
        int doublings = failedAttempts - 1;
        long ceiling = doublings >= 62 || baseMs > (capMs >> doublings) ? capMs : baseMs << doublings;
        return Duration.ofMillis(Math.min(ceiling, capMs));
    }

    /** A delay drawn uniformly from [0, ceiling]. */
    Duration delay(int failedAttempts) {
        return Duration.ofMillis(random.nextLong(ceiling(failedAttempts).toMillis() + 1));
    }

    Duration cap() {
        return Duration.ofMillis(capMs);
    }
}
