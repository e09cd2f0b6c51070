package dev.loraforge.jobapi.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A file of a tenant: an uploaded training or validation file, or a job's result file. */
@Entity
@Table(name = "files")
public class FileEntity {
    @Id
    public String id;
    @Column(name = "tenant_id")
    public String tenantId;
    public String filename;
    public String purpose;
    public long bytes;
    /** sha256 of the content, {@code sha256:<hex>}. */
    public String digest;
    /** The dataset artifact in artifact-store. */
    @Column(name = "artifact_id")
    public String artifactId;
    /** chat, prompt_completion or text for training files; csv for result files. */
    public String format;
    public Integer examples;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    /** When the tenant deleted it; a deleted file is not listed, retrieved, read or usable by new jobs. */
    @Column(name = "deleted_at")
    public OffsetDateTime deletedAt;
}
