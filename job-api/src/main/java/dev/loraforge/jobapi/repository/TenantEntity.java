package dev.loraforge.jobapi.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** A tenant and its limits. */
@Entity
@Table(name = "tenants")
public class TenantEntity {
    @Id
    public String id;
    public String name;
    @Column(name = "max_running_jobs")
    public int maxRunningJobs;
    @Column(name = "max_queued_jobs")
    public int maxQueuedJobs;
    @Column(name = "max_file_bytes")
    public long maxFileBytes;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
}
