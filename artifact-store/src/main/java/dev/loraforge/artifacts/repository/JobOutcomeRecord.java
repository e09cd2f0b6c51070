package dev.loraforge.artifacts.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.OffsetDateTime;

/** The outcome of one job attempt as the store recorded it. */
@Entity
@Table(name = "job_outcomes")
public class JobOutcomeRecord {

    @EmbeddedId
    public Key key;
    public String status;
    @Column(name = "worker_id")
    public String workerId;
    @Column(name = "adapter_id")
    public String adapterId;
    @Column(name = "adapter_digest")
    public String adapterDigest;
    @Column(name = "engine_version")
    public String engineVersion;
    @Column(name = "error_code")
    public String errorCode;
    @Column(name = "error_message")
    public String errorMessage;
    @Column(name = "event_id")
    public String eventId;
    @Column(name = "received_at")
    public OffsetDateTime receivedAt;

    /** (job id, attempt). */
    @Embeddable
    public record Key(@Column(name = "job_id") String jobId, @Column(name = "attempt") int attempt)
            implements Serializable {
    }
}
