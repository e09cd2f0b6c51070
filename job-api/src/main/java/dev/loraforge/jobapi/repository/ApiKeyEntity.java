package dev.loraforge.jobapi.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** An API key of a tenant; only its SHA-256 is stored. */
@Entity
@Table(name = "api_keys")
public class ApiKeyEntity {
    @Id
    public String id;
    @Column(name = "tenant_id")
    public String tenantId;
    @Column(name = "key_hash")
    public String keyHash;
    /** The first characters of the key, to recognise it in listings. */
    public String prefix;
    public String name;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    @Column(name = "revoked_at")
    public OffsetDateTime revokedAt;
    @Column(name = "last_used_at")
    public OffsetDateTime lastUsedAt;
}
