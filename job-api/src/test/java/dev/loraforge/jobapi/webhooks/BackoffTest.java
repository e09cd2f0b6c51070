package dev.loraforge.jobapi.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofSeconds(5), Duration.ofHours(12), new SplittableRandom(7));

    @Test
    void ceilingDoublesFromTheBaseUntilTheCap() {
        assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofSeconds(10));
        assertThat(backoff.ceiling(3)).isEqualTo(Duration.ofSeconds(20));
        assertThat(backoff.ceiling(14)).isEqualTo(Duration.ofSeconds(5L << 13));
        assertThat(backoff.ceiling(15)).isEqualTo(Duration.ofHours(12));
        assertThat(backoff.ceiling(200)).isEqualTo(Duration.ofHours(12));
        assertThatThrownBy(() -> backoff.ceiling(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fullJitterDrawsFromZeroToTheCeilingAndGrowsOnAverage() {
        double previousMean = -1;
        for (int n = 1; n <= 16; n++) {
            long ceiling = backoff.ceiling(n).toMillis();
            long sum = 0;
            long min = Long.MAX_VALUE;
            long max = 0;
            int samples = 2000;
            for (int i = 0; i < samples; i++) {
                long d = backoff.delay(n).toMillis();
                assertThat(d).isBetween(0L, ceiling);
                sum += d;
                min = Math.min(min, d);
                max = Math.max(max, d);
            }
            double mean = (double) sum / samples;
            // uniform on [0, ceiling]: mean near half the ceiling, values spread over the whole range
            assertThat(mean).isBetween(ceiling * 0.45, ceiling * 0.55);
            assertThat(min).isLessThan(ceiling / 10);
            assertThat(max).isGreaterThan(ceiling * 9 / 10);
            if (n <= 14) {
                assertThat(mean).isGreaterThan(previousMean);
            }
            previousMean = mean;
        }
    }

    @Test
    void theDefaultScheduleSpansAboutOneToTwoDays() {
        long longest = 0;
        for (int n = 1; n < 18; n++) { // 18 attempts: 17 waits
            longest += backoff.ceiling(n).toSeconds();
        }
        long expected = longest / 2; // full jitter: half the ceiling on average
        assertThat(Duration.ofSeconds(expected)).isBetween(Duration.ofHours(24), Duration.ofHours(36));
        assertThat(Duration.ofSeconds(longest)).isBetween(Duration.ofHours(48), Duration.ofHours(72));
    }

    @Test
    void refusesAnEmptyOrInvertedRange() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), new SplittableRandom()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), new SplittableRandom()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
