package dev.loraforge.artifacts.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** An event that named a missing or mismatching artifact (table {@code artifact_warnings}). */
@Entity
@Table(name = "artifact_warnings")
public class WarningEntity {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    public String topic;
    @Column(name = "event_id")
    public String eventId;
    @Column(name = "job_id")
    public String jobId;
    @Column(name = "artifact_id")
    public String artifactId;
    public String digest;
    public String problem;
    @Column(name = "received_at")
    public OffsetDateTime receivedAt;
}
