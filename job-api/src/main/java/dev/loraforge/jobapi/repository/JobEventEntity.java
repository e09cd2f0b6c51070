package dev.loraforge.jobapi.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** An event of a job, as OpenAI lists them ({@code fine_tuning.job.event}). */
@Entity
@Table(name = "job_events")
public class JobEventEntity {
    @Id
    public String id;
    @Column(name = "job_id")
    public String jobId;
    /** info, warn, error. */
    public String level;
    /** message or metrics. */
    public String type;
    public String message;
    @JdbcTypeCode(SqlTypes.JSON)
    public String data;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
}
