package dev.loraforge.artifacts.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One registered artifact (table {@code artifacts}); immutable once written. */
@Entity
@Table(name = "artifacts")
public class ArtifactEntity {

    @Id
    public String id;
    /** Wire name of an {@link dev.loraforge.contracts.artifactstore.ArtifactKind}. */
    public String kind;
    public String name;
    /** The blob, {@code sha256:<hex>}. */
    public String digest;
    public long size;
    @Column(name = "tenant_id")
    public String tenantId;
    @Column(name = "job_id")
    public String jobId;
    @JdbcTypeCode(SqlTypes.JSON)
    public Map<String, Object> metadata;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
}
