package dev.loraforge.artifacts.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A received CheckpointSaved event and the result of checking its artifact. */
@Entity
@Table(name = "checkpoint_events")
public class CheckpointEventEntity {

    @Id
    @Column(name = "event_id")
    public String eventId;
    @Column(name = "job_id")
    public String jobId;
    public int attempt;
    @Column(name = "worker_id")
    public String workerId;
    public int step;
    @Column(name = "checkpoint_id")
    public String checkpointId;
    public String digest;
    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Double> metrics;
    public boolean verified;
    public String problem;
    @Column(name = "received_at")
    public OffsetDateTime receivedAt;
}
