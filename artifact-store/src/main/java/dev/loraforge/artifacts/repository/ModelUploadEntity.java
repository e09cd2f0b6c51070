package dev.loraforge.artifacts.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A base model being uploaded in parts (table {@code model_uploads}). */
@Entity
@Table(name = "model_uploads")
public class ModelUploadEntity {

    @Id
    public String id;
    /** The base model name it will be registered under. */
    public String name;
    public String revision;
    /** The tenant the model will be private to; null: public. */
    @jakarta.persistence.Column(name = "tenant_id")
    public String tenantId;
    public String filename;
    /** The archive's total size, which the completed parts must add up to. */
    public long bytes;
    /** pending, completed, cancelled, failed or expired. */
    public String status;
    public String error;
    @Column(name = "artifact_id")
    public String artifactId;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    @Column(name = "expires_at")
    public OffsetDateTime expiresAt;
    @Column(name = "completed_at")
    public OffsetDateTime completedAt;
}
