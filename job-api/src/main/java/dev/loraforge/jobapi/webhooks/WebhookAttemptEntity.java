package dev.loraforge.jobapi.webhooks;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** One attempt of a delivery, as it went. */
@Entity
@Table(name = "webhook_attempts")
public class WebhookAttemptEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "delivery_id")
    public String deliveryId;
    public int attempt;
    @Column(name = "started_at")
    public OffsetDateTime startedAt;
    @Column(name = "duration_ms")
    public long durationMs;
    /** The receiver's HTTP status; null when no response came. */
    @Column(name = "status_code")
    public Integer statusCode;
    public String error;
    /** The delay before the next attempt; null when none follows. */
    @Column(name = "retry_delay_ms")
    public Long retryDelayMs;
}
