package dev.loraforge.jobapi.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One action of the operator, as it happened; never changed. */
@Entity
@Table(name = "audit_events")
public class AuditEventEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    /** Who acted: {@code admin} (the admin key). */
    public String actor;
    /** {@code tenant.created}, {@code api_key.created}, {@code api_key.revoked}. */
    public String action;
    @Column(name = "tenant_id")
    public String tenantId;
    /** The id of what was acted on. */
    public String target;
    /** What the action set, as JSON (never a secret). */
    @JdbcTypeCode(SqlTypes.JSON)
    public String detail;
}
