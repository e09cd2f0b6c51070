package dev.loraforge.jobapi.ratelimit;

/**
 * A token bucket of {@code capacity} tokens refilled evenly at {@code capacity} per minute: a burst of a minute's
 * worth, then a steady rate. Not thread-safe on its own: {@link RateLimiter} synchronises on it.
 */
final class TokenBucket {

    private static final long MINUTE_NANOS = 60_000_000_000L;

    private final int capacity;
    private double tokens;
    private long updatedNanos;

    TokenBucket(int capacity, long nowNanos) {
        this.capacity = capacity;
        this.tokens = capacity;
        this.updatedNanos = nowNanos;
    }

    /** Takes a token: 0 when there was one, else the nanoseconds until there is. */
    long take(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - tokens) * MINUTE_NANOS / capacity);
    }

    /** Whole tokens left now. */
    int remaining(long nowNanos) {
        refill(nowNanos);
        return (int) Math.floor(tokens);
    }

    int capacity() {
        return capacity;
    }

    private void refill(long nowNanos) {
        long elapsed = Math.max(0, nowNanos - updatedNanos);
        tokens = Math.min(capacity, tokens + (double) elapsed * capacity / MINUTE_NANOS);
        updatedNanos = nowNanos;
    }
}
