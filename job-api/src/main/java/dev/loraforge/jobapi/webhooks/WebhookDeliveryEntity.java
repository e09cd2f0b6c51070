package dev.loraforge.jobapi.webhooks;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** One event to one endpoint, with the state of its delivery. */
@Entity
@Table(name = "webhook_deliveries")
public class WebhookDeliveryEntity {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String FAILED = "failed";

    @Id
    public String id;
    @Column(name = "endpoint_id")
    public String endpointId;
    /** {@code webhook-id}: the same on every attempt. */
    @Column(name = "event_id")
    public String eventId;
    @Column(name = "event_type")
    public String eventType;
    @Column(name = "job_id")
    public String jobId;
    /** The exact body of every attempt. */
    public String payload;
    /** {@link #PENDING}, {@link #DELIVERED} or {@link #FAILED}. */
    public String status;
    /** Attempts claimed so far (the one in flight included). */
    public int attempts;
    @Column(name = "next_attempt_at")
    public OffsetDateTime nextAttemptAt;
    @Column(name = "claim_token")
    public String claimToken;
    @Column(name = "claimed_until")
    public OffsetDateTime claimedUntil;
    @Column(name = "last_attempt_at")
    public OffsetDateTime lastAttemptAt;
    @Column(name = "last_status_code")
    public Integer lastStatusCode;
    @Column(name = "last_error")
    public String lastError;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;
    /** The W3C traceparent of the job's ending: each attempt is sent as part of that trace. */
    public String traceparent;
}
