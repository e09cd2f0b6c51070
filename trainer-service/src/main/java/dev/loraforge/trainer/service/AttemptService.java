package dev.loraforge.trainer.service;

import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.trainer.repository.Attempt;
import dev.loraforge.trainer.repository.AttemptRepository;
import dev.loraforge.trainer.repository.CancelledJobRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The attempt queue's state changes, each in its own transaction. A worker changes an attempt only
 * while the row says it holds it ({@code running} with its worker id): an attempt superseded or
 * cancelled meanwhile is never overwritten, so a job never completes twice from this pool.
 */
@ApplicationScoped
public class AttemptService {

    private static final Logger LOG = Logger.getLogger(AttemptService.class);

    /** What recording a dispatch did. */
    public enum Recorded { PENDING, DUPLICATE, SUPERSEDED_ON_ARRIVAL, CANCELLED_JOB }

    /** A claimed attempt: its key, payload and the newest checkpoint it stored before (if handed back). */
    public record Claim(Attempt.Key key, String payload, boolean cancelRequested, boolean pauseRequested,
                        ArtifactRef checkpoint, Integer checkpointStep, String traceparent) {
    }

    /** The control flags of a running attempt as its heartbeat finds them; {@code held} false when it is no longer ours. */
    public record Flags(boolean held, boolean cancel, boolean pause) {
    }

    private final AttemptRepository attempts;
    private final CancelledJobRepository cancelled;

    public AttemptService(AttemptRepository attempts, CancelledJobRepository cancelled) {
        this.attempts = attempts;
        this.cancelled = cancelled;
    }

    /**
     * Records a dispatched attempt as {@code pending} and supersedes the job's older open attempts.
     * A redelivered attempt changes nothing; one older than an attempt already recorded arrives
     * superseded; one of a cancelled job arrives with its cancel request set.
     */
    @Transactional
    public Recorded record(JobDispatched job, String payload) {
        Attempt.Key key = new Attempt.Key(job.jobId(), job.attempt());
        if (attempts.findById(key) != null) {
            return Recorded.DUPLICATE;
        }
        int latest = attempts.latestAttempt(job.jobId());
        Attempt a = new Attempt();
        a.key = key;
        a.payload = payload;
        a.traceparent = dev.loraforge.events.platform.TraceContext.current(); // the dispatch record's trace
        a.recordedAt = now();
        a.queuedAt = attempts.firstQueuedAt(job.jobId()).orElse(a.recordedAt);
        a.state = latest > job.attempt() ? Attempt.SUPERSEDED : Attempt.PENDING;
        a.cancelRequested = cancelled.contains(job.jobId());
        if (a.state.equals(Attempt.SUPERSEDED)) {
            a.finishedAt = a.recordedAt;
        }
        attempts.persist(a);
        if (a.state.equals(Attempt.SUPERSEDED)) {
            return Recorded.SUPERSEDED_ON_ARRIVAL;
        }
        int older = attempts.supersedeOlder(job.jobId(), job.attempt());
        if (older > 0) {
            LOG.infof("attempt %s supersedes %d older attempt(s) of the job", key, older);
        }
        return a.cancelRequested ? Recorded.CANCELLED_JOB : Recorded.PENDING;
    }

    /** Claims the oldest pending attempt for {@code workerId}, skipping rows other workers hold. */
    @Transactional
    public Optional<Claim> claim(String workerId) {
        return attempts.lockOldestPending().map(a -> {
            a.state = Attempt.RUNNING;
            a.workerId = workerId;
            a.claimedAt = now();
            a.heartbeatAt = a.claimedAt;
            ArtifactRef checkpoint = a.checkpointId == null ? null : new ArtifactRef(a.checkpointId, a.checkpointDigest);
            return new Claim(a.key, a.payload, a.cancelRequested, a.pauseRequested, checkpoint, a.checkpointStep,
                    a.traceparent);
        });
    }

    /** Records the heartbeat (and step) of a held attempt and returns its control flags. */
    @Transactional
    public Flags heartbeat(Attempt.Key key, String workerId, long step, long totalSteps) {
        Attempt a = held(key, workerId);
        if (a == null) {
            return new Flags(false, false, false);
        }
        a.heartbeatAt = now();
        a.step = (int) step;
        if (totalSteps > 0) { // unknown (0) until the first step: keep what the row has, which may be null
            a.totalSteps = (int) totalSteps;
        }
        return new Flags(true, a.cancelRequested, a.pauseRequested);
    }

    /** Remembers the newest checkpoint a held attempt stored. */
    @Transactional
    public void checkpointStored(Attempt.Key key, String workerId, ArtifactRef checkpoint, int step) {
        Attempt a = held(key, workerId);
        if (a != null) {
            a.checkpointId = checkpoint.id();
            a.checkpointDigest = checkpoint.digest();
            a.checkpointStep = step;
        }
    }

    /** How a held attempt ended. {@code finalEvent} (with its topic) is published by {@link FinalEventRelay}; may be null. */
    public record Ending(String state, long step, Long totalSteps, Long stopRequestedStep, String errorCode,
                         String errorMessage, String finalTopic, String finalEvent) {
    }

    /** Ends a held attempt; returns false (and changes nothing) when it is no longer held by {@code workerId}. */
    @Transactional
    public boolean finish(Attempt.Key key, String workerId, Ending end) {
        Attempt a = held(key, workerId);
        if (a == null) {
            return false;
        }
        a.state = end.state();
        a.finishedAt = now();
        a.step = (int) end.step();
        if (end.totalSteps() != null) {
            a.totalSteps = end.totalSteps().intValue();
        }
        a.stopRequestedStep = end.stopRequestedStep() == null ? null : end.stopRequestedStep().intValue();
        a.errorCode = end.errorCode();
        a.errorMessage = end.errorMessage();
        a.finalTopic = end.finalTopic();
        a.finalEvent = end.finalEvent();
        return true;
    }

    /** Puts a held attempt back in the queue (this worker stops); the next claim resumes from its newest checkpoint. */
    @Transactional
    public boolean handBack(Attempt.Key key, String workerId, long step) {
        Attempt a = held(key, workerId);
        if (a == null) {
            return false;
        }
        a.state = Attempt.PENDING;
        a.workerId = null;
        a.claimedAt = null;
        a.step = (int) step;
        return true;
    }

    /**
     * At start: the attempts an earlier incarnation of this worker held when it died ({@link WorkerIdentity#isFormerSelf})
     * go back to the queue at once, to be resumed from their newest checkpoint by whichever worker claims them, instead
     * of waiting for job-api to find their lease expired and dispatch them again behind every other queued job.
     * Call it before this process claims anything (rows with this worker's own id are then an earlier run's).
     *
     * @return the attempts handed back
     */
    @Transactional
    public java.util.List<Attempt.Key> reclaimInterrupted(dev.loraforge.trainer.config.WorkerIdentity worker) {
        java.util.List<Attempt.Key> reclaimed = new java.util.ArrayList<>();
        for (Attempt a : attempts.lockRunning(1000)) {
            if (worker.isFormerSelf(a.workerId)) {
                LOG.infof("attempt %s was held by %s, an earlier run of this worker that stopped at step %s: back in"
                        + " the queue, to resume from checkpoint step %s", a.key, a.workerId, a.step, a.checkpointStep);
                a.state = Attempt.PENDING;
                a.workerId = null;
                a.claimedAt = null;
                reclaimed.add(a.key);
            }
        }
        return reclaimed;
    }

    private Attempt held(Attempt.Key key, String workerId) {
        Attempt a = attempts.findById(key, jakarta.persistence.LockModeType.PESSIMISTIC_WRITE);
        if (a == null || !Attempt.RUNNING.equals(a.state) || !workerId.equals(a.workerId)) {
            return null;
        }
        return a;
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
