package dev.loraforge.jobapi.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.jobapi.repository.JobRepository.QueueRoom;
import dev.loraforge.jobapi.rest.ApiException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class QueueLimitTest {

    private final AtomicLong now = new AtomicLong();
    private final AtomicInteger counts = new AtomicInteger();

    private QueueLimit limitOf(int limit, AtomicLong unfinished) {
        return new QueueLimit(tenant -> {
            counts.incrementAndGet();
            return Optional.of(new QueueRoom(limit, unfinished.get()));
        }, now::get);
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
    void farFromItsLimitACountIsReusedForASecondWithTheCreatesSince() {
        AtomicLong unfinished = new AtomicLong(0);
        QueueLimit queue = limitOf(1_500, unfinished);
        for (int i = 0; i < 500; i++) {
            queue.claim("t");
        }
        assertThat(counts.get()).as("more than 1,000 of room before each: one count").isEqualTo(1);
        queue.claim("t"); // 1,500 - 0 - 500 = 1,000 of room: no longer far
        assertThat(counts.get()).isEqualTo(2);

        now.addAndGet(QueueLimit.FRESH_MILLIS * 1_000_000);
        unfinished.set(1_500);
        assertThatThrownBy(() -> queue.claim("t")).as("a second later the count is read again")
                .isInstanceOf(ApiException.class);
        assertThat(counts.get()).isEqualTo(3);
    }
}
