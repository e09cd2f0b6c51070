package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.repository.JobRepository.QueueRoom;
import dev.loraforge.jobapi.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A tenant's {@code max_queued_jobs}: a create beyond it answers 429. Counting a tenant's unfinished jobs costs in
 * proportion to how many there are, so a tenant far from its limit is not counted on every create: a count is reused
 * for {@value #FRESH_MILLIS} ms, plus the creates this replica made since, while it leaves more than {@value #FAR}
 * jobs of room; near the limit every create counts afresh. (Creates never were serialised against each other, so
 * the limit was never exact under concurrency; far from it, other replicas' creates within the reuse are what it
 * may miss.)
 */
@ApplicationScoped
public class QueueLimit {

    static final long FRESH_MILLIS = 1000;
    static final long FAR = 1000;

    private record Seen(QueueRoom room, long readAt, AtomicLong createdSince) {
    }

    private final Function<String, Optional<QueueRoom>> count;
    private final LongSupplier clock;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    @Inject
    public QueueLimit(JobRepository jobs) {
        this(jobs::queueRoom, System::nanoTime);
    }

    QueueLimit(Function<String, Optional<QueueRoom>> count, LongSupplier nanoClock) {
        this.count = count;
        this.clock = nanoClock;
    }

    /**
     * Takes a place in the tenant's queue for a new job.
     *
     * @throws ApiException 429 {@code too_many_jobs} when the tenant has as many unfinished jobs as it may
     */
    public void claim(String tenantId) {
        long now = clock.getAsLong();
        Seen known = seen.get(tenantId);
        if (known != null && now - known.readAt() < FRESH_MILLIS * 1_000_000
                && known.room().limit() - known.room().unfinished() - known.createdSince().get() > FAR) {
            known.createdSince().incrementAndGet();
            return;
        }
        QueueRoom room = count.apply(tenantId)
                .orElseThrow(() -> new IllegalStateException("no tenant " + tenantId + " behind an authenticated call"));
        if (room.unfinished() >= room.limit()) {
            seen.remove(tenantId);
            throw new ApiException(429, "rate_limit_error", "This tenant has " + room.unfinished() + " unfinished jobs,"
                    + " the limit is " + room.limit() + ". Wait for jobs to finish or cancel some.", null, "too_many_jobs");
        }
        seen.put(tenantId, new Seen(room, now, new AtomicLong(1)));
    }
}
