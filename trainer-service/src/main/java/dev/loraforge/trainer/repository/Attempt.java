package dev.loraforge.trainer.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.OffsetDateTime;
import java.util.Set;

/**
 * One dispatched attempt of a job in this worker pool's queue (schema {@code trainer}, table
 * {@code attempts}): recorded {@code pending} by the dispatch consumer, claimed {@code running} by
 * an idle worker, ended {@code succeeded}, {@code failed}, {@code cancelled} or {@code paused}, or
 * {@code superseded} when a newer attempt of the job was dispatched.
 */
@Entity
@Table(name = "attempts")
public class Attempt {

    public static final String PENDING = "pending";
    public static final String RUNNING = "running";
    public static final String PAUSED = "paused";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";
    public static final String SUPERSEDED = "superseded";
    /** States in which the attempt may still train. */
    public static final Set<String> OPEN = Set.of(PENDING, RUNNING);

    @EmbeddedId
    public Key key;
    public String state;
    @Column(name = "worker_id")
    public String workerId;
    @Column(name = "recorded_at")
    public OffsetDateTime recordedAt;
    /** The attempt's place in the queue: when the pool recorded the job's first attempt. */
    @Column(name = "queued_at")
    public OffsetDateTime queuedAt;
    @Column(name = "claimed_at")
    public OffsetDateTime claimedAt;
    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;
    @Column(name = "heartbeat_at")
    public OffsetDateTime heartbeatAt;
    /** The JobDispatched payload as JSON. */
    public String payload;
    @Column(name = "cancel_requested")
    public boolean cancelRequested;
    @Column(name = "pause_requested")
    public boolean pauseRequested;
    public Integer step;
    @Column(name = "total_steps")
    public Integer totalSteps;
    @Column(name = "stop_requested_step")
    public Integer stopRequestedStep;
    @Column(name = "checkpoint_id")
    public String checkpointId;
    @Column(name = "checkpoint_digest")
    public String checkpointDigest;
    @Column(name = "checkpoint_step")
    public Integer checkpointStep;
    @Column(name = "error_code")
    public String errorCode;
    @Column(name = "error_message")
    public String errorMessage;
    @Column(name = "final_topic")
    public String finalTopic;
    @Column(name = "final_event")
    public String finalEvent;
    @Column(name = "final_sent_at")
    public OffsetDateTime finalSentAt;
    /** The W3C traceparent of the dispatch (the job's trace): training and the attempt's events continue it. */
    public String traceparent;

    /** (job id, attempt). */
    @Embeddable
    public record Key(@Column(name = "job_id") String jobId, @Column(name = "attempt") int attempt)
            implements Serializable {
        @Override
        public String toString() {
            return jobId + "#" + attempt;
        }
    }
}
