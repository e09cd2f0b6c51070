package dev.loraforge.jobapi.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A checkpoint of a job, stored in artifact-store. */
@Entity
@Table(name = "job_checkpoints")
public class CheckpointEntity {
    @Id
    public String id;
    @Column(name = "job_id")
    public String jobId;
    public int attempt;
    public int step;
    @Column(name = "artifact_id")
    public String artifactId;
    public String digest;
    @JdbcTypeCode(SqlTypes.JSON)
    public String metrics;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
}
