package dev.loraforge.jobapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.jobapi.repository.JobRepository.QueueRoom;
import dev.loraforge.jobapi.rest.ApiException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class QueueLimitTest {

    private final AtomicLong now = new AtomicLong();
    private final AtomicInteger counts = new AtomicInteger();

    /** Background recounts wait here until the test runs them. */
    private final Deque<Runnable> background = new ArrayDeque<>();

    private QueueLimit limitOf(int limit, AtomicLong unfinished) {
        return new QueueLimit(tenant -> {
            counts.incrementAndGet();
            return Optional.of(new QueueRoom(limit, unfinished.get()));
        }, now::get, background::add);
    }

    @Test
    void aTenantNearItsLimitIsCountedOnEveryCreateAndRefusedAtIt() {
        AtomicLong unfinished = new AtomicLong(18);
        QueueLimit queue = limitOf(20, unfinished);
        queue.claim("t");
        unfinished.incrementAndGet();
        queue.claim("t");
        unfinished.incrementAndGet();
        assertThatThrownBy(() -> queue.claim("t")).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.getMessage()).contains("20 unfinished jobs", "the limit is 20");
        });
        assertThat(counts.get()).isEqualTo(3);
    }

    @Test
    void farFromItsLimitACountIsReusedWithTheCreatesSince() {
        AtomicLong unfinished = new AtomicLong(0);
        QueueLimit queue = limitOf(1_500, unfinished);
        for (int i = 0; i < 500; i++) {
            queue.claim("t");
        }
        assertThat(counts.get()).as("more than 1,000 of room before each: one count").isEqualTo(1);
        queue.claim("t"); // 1,500 - 0 - 500 = 1,000 of room: no longer far
        assertThat(counts.get()).isEqualTo(2);

        now.addAndGet(millis(500)); // 1,500 - 0 - 1 - 500 (other replicas' creates allowed for half a second) < 1,000
        unfinished.set(1_500);
        assertThatThrownBy(() -> queue.claim("t")).as("half a second later the count is read again")
                .isInstanceOf(ApiException.class);
        assertThat(counts.get()).isEqualTo(3);
    }

    @Test
    void farFromItsLimitATenantIsRecountedInTheBackgroundHalfwayToTheLimitsReach() {
        AtomicLong unfinished = new AtomicLong(0);
        QueueLimit queue = limitOf(5_000, unfinished); // 4,000 spare: counted again after two seconds
        queue.claim("t");
        now.addAndGet(millis(1_999));
        queue.claim("t");
        assertThat(background).isEmpty();
        now.addAndGet(millis(1));
        unfinished.set(2_000);
        queue.claim("t");
        queue.claim("t");
        assertThat(counts.get()).as("the creates do not wait for the count").isEqualTo(1);
        assertThat(background).as("one recount at a time").hasSize(1);
        background.poll().run();
        assertThat(counts.get()).isEqualTo(2);

        // the new count, read at two seconds: 5,000 - 2,000 = 3,000 of room; less one create and the allowance of
        // 1,998 ms it is still far, at two seconds no longer, and the create counts itself
        now.addAndGet(millis(1_998));
        queue.claim("t");
        assertThat(counts.get()).isEqualTo(2);
        background.clear();
        now.addAndGet(millis(2));
        unfinished.set(5_000);
        assertThatThrownBy(() -> queue.claim("t")).isInstanceOf(ApiException.class);
        assertThat(counts.get()).isEqualTo(3);
    }

    @Test
    void aTenantWithMillionsOfRoomIsRecountedEveryHalfMinute() {
        QueueLimit roomy = limitOf(10_000_000, new AtomicLong(0));
        roomy.claim("t");
        now.addAndGet(millis(QueueLimit.MAX_REUSE_MILLIS - 1));
        roomy.claim("t");
        assertThat(background).isEmpty();
        now.addAndGet(millis(1));
        roomy.claim("t");
        assertThat(background).hasSize(1);
        background.poll().run();
        assertThat(counts.get()).isEqualTo(2);
        roomy.claim("t");
        assertThat(background).as("the fresh count serves another half minute").isEmpty();
    }

    @Test
    void aFailedRecountLeavesTheCountInHandAndIsTriedAgain() {
        boolean[] down = {false};
        QueueLimit queue = afterAFailedRecount(down);
        queue.claim("t");
        assertThat(background).as("asked again").hasSize(1);
        down[0] = false;
        background.poll().run();
        assertThat(counts.get()).isEqualTo(3);
        queue.claim("t");
        assertThat(background).isEmpty();
    }

    @Test
    void aCountTwiceTheReuseOldIsNotTrustedWhileRecountsFail() {
        boolean[] down = {false};
        QueueLimit queue = afterAFailedRecount(down);
        now.addAndGet(millis(QueueLimit.MAX_REUSE_MILLIS));
        assertThatThrownBy(() -> queue.claim("t")).as("the create counts itself").hasMessageContaining("unreachable");
        assertThat(counts.get()).isEqualTo(3);
        assertThat(background).isEmpty();
    }

    /** A queue whose count is due for a recount, with that recount failed: {@code down[0]} is left true. */
    private QueueLimit afterAFailedRecount(boolean[] down) {
        QueueLimit queue = flaky(down);
        queue.claim("t");
        now.addAndGet(millis(QueueLimit.MAX_REUSE_MILLIS));
        down[0] = true;
        queue.claim("t");
        background.poll().run();
        return queue;
    }

    /** Millions of jobs of room; while {@code down[0]}, counting fails. */
    private QueueLimit flaky(boolean[] down) {
        return new QueueLimit(tenant -> {
            counts.incrementAndGet();
            if (down[0]) {
                throw new IllegalStateException("database unreachable");
            }
            return Optional.of(new QueueRoom(10_000_000, 0));
        }, now::get, background::add);
    }

    private static long millis(long ms) {
        return ms * 1_000_000;
    }
}
