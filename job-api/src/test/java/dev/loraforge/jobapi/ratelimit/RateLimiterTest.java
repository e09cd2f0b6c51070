package dev.loraforge.jobapi.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private long now;
    private final RateLimiter limiter = new RateLimiter(() -> now);

    @Test
    void aMinutesWorthPassesThenTheRateRefillsEvenly() {
        for (int i = 0; i < 60; i++) {
            assertThat(limiter.take("t1", "creates", 60).allowed()).as("request " + i).isTrue();
        }
        RateLimiter.Decision refused = limiter.take("t1", "creates", 60);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(refused.remaining()).isZero();
        assertThat(refused.limit()).isEqualTo(60);

        now += 500_000_000L; // half a token
        assertThat(limiter.take("t1", "creates", 60).allowed()).isFalse();
        now += 500_000_000L;
        assertThat(limiter.take("t1", "creates", 60).allowed()).isTrue();
        assertThat(limiter.take("t1", "creates", 60).allowed()).isFalse();
    }

    @Test
    void tenantsAndKindsHaveTheirOwnBucketsAndZeroIsUnlimited() {
        assertThat(limiter.take("t1", "uploads", 1).allowed()).isTrue();
        RateLimiter.Decision second = limiter.take("t1", "uploads", 1);
        assertThat(second.allowed()).isFalse();
        assertThat(second.retryAfterSeconds()).isEqualTo(60);
        assertThat(limiter.take("t2", "uploads", 1).allowed()).isTrue();
        assertThat(limiter.take("t1", "completions", 1).allowed()).isTrue();
        for (int i = 0; i < 1000; i++) {
            assertThat(limiter.take("t1", "creates", 0).allowed()).isTrue();
        }
    }
}
