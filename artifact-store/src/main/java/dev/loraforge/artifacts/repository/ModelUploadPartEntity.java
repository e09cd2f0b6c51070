package dev.loraforge.artifacts.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** One received part of a model upload (table {@code model_upload_parts}); its bytes are a file. */
@Entity
@Table(name = "model_upload_parts")
public class ModelUploadPartEntity {

    @Id
    public String id;
    @Column(name = "upload_id")
    public String uploadId;
    public long size;
    /** Hex sha256 of the part's bytes. */
    public String sha256;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
}
