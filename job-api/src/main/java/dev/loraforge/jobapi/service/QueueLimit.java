package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.repository.JobRepository.QueueRoom;
import dev.loraforge.jobapi.rest.ApiException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * A tenant's {@code max_queued_jobs}: a create beyond it answers 429. Counting a tenant's unfinished jobs costs in
 * proportion to how many there are (20 ms at 30,000 on an idle database, 400 ms when sixteen such counts meet a busy
 * one), so a tenant far from its limit is not counted on the create's path: the last count is used, with the creates
 * this replica made since, while it leaves more than {@value #FAR} jobs of room after allowing {@value #FAR} creates a
 * second from elsewhere (other replicas) since it was read. Halfway to that point, and at most every
 * {@value #MAX_REUSE_MILLIS} ms, the tenant is counted again in the background, one count at a time; near the limit
 * (or with no count yet, or one twice that old because recounts failed) the create counts afresh itself. A tenant with 5,000 jobs of room is counted every two
 * seconds, one with millions every half minute. (Creates never were serialised against each other, so the limit was
 * never exact under concurrency; far from it, what it may miss is other replicas' creates beyond {@value #FAR} a
 * second.)
 */
@ApplicationScoped
public class QueueLimit {

    private static final Logger LOG = Logger.getLogger(QueueLimit.class);
    static final long MAX_REUSE_MILLIS = 30_000;
    static final long FAR = 1000;

    /** A count, the creates this replica made since, and whether a recount is under way. */
    private record Seen(QueueRoom room, long readAt, AtomicLong createdSince, AtomicBoolean recounting) {

        Seen(QueueRoom room, long readAt, long createdSince) {
            this(room, readAt, new AtomicLong(createdSince), new AtomicBoolean());
        }

        /** The room left, allowing {@link #FAR} creates a second elsewhere since the count. */
        long room(long elapsedMillis) {
            return room.limit() - room.unfinished() - createdSince.get() - FAR * elapsedMillis / 1000;
        }

        /** When to count again: halfway to the point where the room left is no longer far from the limit. */
        long recountAfterMillis() {
            long spare = room.limit() - room.unfinished() - FAR;
            return Math.min(MAX_REUSE_MILLIS, Math.max(0, spare * 1000 / FAR / 2));
        }
    }

    private final Function<String, Optional<QueueRoom>> count;
    private final LongSupplier clock;
    private final Executor background;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    @Inject
    public QueueLimit(JobRepository jobs) {
        this(tenant -> QuarkusTransaction.requiringNew().call(() -> jobs.queueRoom(tenant)), System::nanoTime,
                Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "queue-limit-recount");
                    t.setDaemon(true);
                    return t;
                }));
    }

    QueueLimit(Function<String, Optional<QueueRoom>> count, LongSupplier nanoClock, Executor background) {
        this.count = count;
        this.clock = nanoClock;
        this.background = background;
    }

    /**
     * Takes a place in the tenant's queue for a new job.
     *
     * @throws ApiException 429 {@code too_many_jobs} when the tenant has as many unfinished jobs as it may
     */
    public void claim(String tenantId) {
        long now = clock.getAsLong();
        Seen known = seen.get(tenantId);
        if (known != null) {
            long elapsedMillis = (now - known.readAt()) / 1_000_000;
            if (known.room(elapsedMillis) > FAR && elapsedMillis < 2 * MAX_REUSE_MILLIS) {
                known.createdSince().incrementAndGet();
                if (elapsedMillis >= known.recountAfterMillis() && known.recounting().compareAndSet(false, true)) {
                    background.execute(() -> recount(tenantId, known));
                }
                return;
            }
        }
        QueueRoom room = read(tenantId);
        if (room.unfinished() >= room.limit()) {
            seen.remove(tenantId);
            throw new ApiException(429, "rate_limit_error", "This tenant has " + room.unfinished() + " unfinished jobs,"
                    + " the limit is " + room.limit() + ". Wait for jobs to finish or cancel some.", null, "too_many_jobs");
        }
        seen.put(tenantId, new Seen(room, now, 1));
    }

    private QueueRoom read(String tenantId) {
        return count.apply(tenantId)
                .orElseThrow(() -> new IllegalStateException("no tenant " + tenantId + " behind an authenticated call"));
    }

    /**
     * Counts the tenant again; the creates made while counting stay counted (the count may include some of them:
     * the room is underestimated, never over).
     */
    private void recount(String tenantId, Seen known) {
        long started = clock.getAsLong();
        long createdBefore = known.createdSince().get();
        try {
            QueueRoom room = read(tenantId);
            seen.replace(tenantId, known, new Seen(room, started, known.createdSince().get() - createdBefore));
        } catch (RuntimeException e) {
            // the count in hand keeps serving while it leaves room, for at most twice MAX_REUSE_MILLIS (then a create
            // counts itself); the next create past its time asks again
            LOG.warnf("recounting the queue of %s in the background failed (%s); the last count serves meanwhile",
                    tenantId, e.toString());
            known.recounting().set(false);
        }
    }
}
