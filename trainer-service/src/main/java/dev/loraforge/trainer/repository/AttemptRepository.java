package dev.loraforge.trainer.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

/**
 * The pool's attempts. The claiming queries lock rows with SKIP LOCKED, so replicas never wait on each
 * other; they are native SQL, so they name the table with {@code {h-schema}} (Hibernate puts the
 * configured default schema there; the connection's search_path does not include it).
 */
@ApplicationScoped
public class AttemptRepository implements PanacheRepositoryBase<Attempt, Attempt.Key> {

    public List<Attempt> forJob(String jobId) {
        return list("key.jobId = ?1 order by key.attempt", jobId);
    }

    /**
     * The pending attempt first in the queue (its job recorded first: a re-dispatched attempt keeps its job's place)
     * that no other transaction holds, locked for this one.
     */
    public Optional<Attempt> lockOldestPending() {
        return lockSkipping("SELECT * FROM {h-schema}attempts WHERE state = 'pending' ORDER BY queued_at, recorded_at, job_id,"
                + " attempt", 1).stream().findFirst();
    }

    /** When the pool recorded the first attempt of {@code jobId}, if any is still here. */
    public Optional<java.time.OffsetDateTime> firstQueuedAt(String jobId) {
        return find("key.jobId = ?1 order by queuedAt", jobId).firstResultOptional().map(a -> a.queuedAt);
    }

    /** Pending attempts with a cancel or pause request, locked (their final event is written by whoever locks them). */
    public List<Attempt> lockPendingWithRequests(int limit) {
        return lockSkipping("SELECT * FROM {h-schema}attempts WHERE state = 'pending' AND (cancel_requested OR pause_requested)"
                + " ORDER BY recorded_at", limit);
    }

    /** Attempts some worker holds ({@code running}), locked. */
    public List<Attempt> lockRunning(int limit) {
        return lockSkipping("SELECT * FROM {h-schema}attempts WHERE state = 'running' ORDER BY recorded_at", limit);
    }

    /** Attempts whose final event Kafka has not acknowledged yet, locked. */
    public List<Attempt> lockUnsent(int limit) {
        return lockSkipping("SELECT * FROM {h-schema}attempts WHERE final_event IS NOT NULL AND final_sent_at IS NULL"
                + " ORDER BY recorded_at", limit);
    }

    @SuppressWarnings("unchecked")
    private List<Attempt> lockSkipping(String sql, int limit) {
        return getEntityManager().createNativeQuery(sql + " LIMIT " + limit + " FOR UPDATE SKIP LOCKED", Attempt.class)
                .getResultList();
    }

    /** Marks the open attempts of {@code jobId} older than {@code attempt} superseded; returns how many. */
    public int supersedeOlder(String jobId, int attempt) {
        return update("state = ?1, finishedAt = current_timestamp where key.jobId = ?2 and key.attempt < ?3"
                + " and state in ?4", Attempt.SUPERSEDED, jobId, attempt, List.of(Attempt.PENDING, Attempt.RUNNING, Attempt.PAUSED));
    }

    /** The highest attempt number recorded for {@code jobId}, or 0. */
    public int latestAttempt(String jobId) {
        Integer max = getEntityManager().createQuery("select max(a.key.attempt) from Attempt a where a.key.jobId = :job",
                Integer.class).setParameter("job", jobId).getSingleResult();
        return max == null ? 0 : max;
    }

    /** Sets a cancel or pause flag on the open attempts of a job; returns how many rows changed. */
    public int requestStop(String jobId, boolean cancel) {
        return update((cancel ? "cancelRequested" : "pauseRequested") + " = true where key.jobId = ?1 and state in ?2",
                jobId, List.copyOf(Attempt.OPEN));
    }
}
