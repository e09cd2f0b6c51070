package dev.loraforge.jobapi.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

@ApplicationScoped
public class JobRepository implements PanacheRepositoryBase<JobEntity, String> {

    /** Room in a tenant's queue: its {@code max_queued_jobs} and how many of its jobs have not ended. */
    public record QueueRoom(int limit, long unfinished) {
    }

    /**
     * A tenant's limit and how many of its jobs have not ended (index {@code jobs_open_by_tenant_status}), in one query: a
     * create asks both and needs nothing else of the tenant. A plain query: Panache's {@code count(...)} derives a
     * new query from the list query each call, which Hibernate translates again every time. Empty: no such tenant.
     */
    public Optional<QueueRoom> queueRoom(String tenantId) {
        return getEntityManager().createQuery("select t.maxQueuedJobs, (select count(*) from JobEntity j"
                        + " where j.tenantId = t.id and j.status in ('validating_files', 'queued', 'running', 'paused'))"
                        + " from TenantEntity t where t.id = :tenant", Object[].class)
                .setParameter("tenant", tenantId).getResultStream().findFirst()
                .map(row -> new QueueRoom(((Number) row[0]).intValue(), ((Number) row[1]).longValue()));
    }

    /** A tenant's job; another tenant's id is simply not found. */
    public Optional<JobEntity> findForTenant(String tenantId, String id) {
        return find("id = ?1 and tenantId = ?2", id, tenantId).firstResultOptional();
    }

    /**
     * A page of a tenant's jobs, newest first: those after {@code cursor} (null: from the newest), whose metadata
     * contains every pair of {@code metadata} (a JSON object; null: any), or, with {@code withoutMetadata}, that
     * have none. At most {@code max} rows.
     */
    @SuppressWarnings("unchecked")
    public List<JobEntity> page(String tenantId, JobEntity cursor, String metadata, boolean withoutMetadata, int max) {
        StringBuilder sql = new StringBuilder("select * from jobs where tenant_id = :tenant");
        if (cursor != null) {
            sql.append(" and (created_at < :at or (created_at = :at and id < :id))");
        }
        if (metadata != null) {
            sql.append(" and metadata @> cast(:metadata as jsonb)");
        }
        if (withoutMetadata) {
            sql.append(" and metadata is null");
        }
        sql.append(" order by created_at desc, id desc limit :max");
        var query = getEntityManager().createNativeQuery(sql.toString(), JobEntity.class)
                .setParameter("tenant", tenantId).setParameter("max", max);
        if (cursor != null) {
            query.setParameter("at", cursor.createdAt).setParameter("id", cursor.id);
        }
        if (metadata != null) {
            query.setParameter("metadata", metadata);
        }
        return query.getResultList();
    }

    private static final String DISPATCHABLE = "status = 'queued' and dispatchedAt is null and "
            + "(quantizationScheme is null or quantizedModelDigest is not null)";

    /**
     * The tenants that have jobs waiting for dispatch: a skip scan of the index {@code jobs_dispatchable} (whose
     * predicate is {@link #DISPATCHABLE}), one descent per tenant however many jobs each has queued (a
     * {@code distinct} read every waiting job: 125 ms at 35,000 queued). The order names all the index's columns, so
     * that no other index on the tenant serves it (a smaller one of every open job was chosen, and walked its dead
     * entries).
     */
    @SuppressWarnings("unchecked")
    public List<String> tenantsWaiting() {
        String dispatchable = "j.status = 'queued' AND j.dispatched_at IS NULL"
                + " AND (j.quantization_scheme IS NULL OR j.quantized_model_digest IS NOT NULL)";
        String first = " ORDER BY j.tenant_id, j.created_at, j.id LIMIT 1";
        return getEntityManager().createNativeQuery("WITH RECURSIVE t(tenant_id) AS ("
                + " (SELECT j.tenant_id FROM jobs j WHERE " + dispatchable + first + ")"
                + " UNION ALL SELECT (SELECT j.tenant_id FROM jobs j WHERE " + dispatchable
                + " AND j.tenant_id > t.tenant_id" + first + ") FROM t WHERE t.tenant_id IS NOT NULL)"
                + " SELECT tenant_id FROM t WHERE tenant_id IS NOT NULL", String.class).getResultList();
    }

    /** One tenant's jobs waiting for dispatch, oldest first, locked; rows another replica holds are skipped. */
    public List<JobEntity> lockWaiting(String tenantId, int max) {
        return getEntityManager().createQuery("from JobEntity where tenantId = :tenant and " + DISPATCHABLE
                        + " order by createdAt, id", JobEntity.class)
                .setParameter("tenant", tenantId)
                .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                .setHint("jakarta.persistence.lock.timeout", -2) // SKIP LOCKED
                .setMaxResults(max)
                .getResultList();
    }

    /** Per tenant: jobs holding a running slot (dispatched or training). */
    public Map<String, Long> slotsInUse() {
        Map<String, Long> counts = new HashMap<>();
        getEntityManager().createQuery("select tenantId, count(*) from JobEntity where status = 'running' "
                        + "or (status = 'queued' and dispatchedAt is not null) group by tenantId", Object[].class)
                .getResultList().forEach(row -> counts.put((String) row[0], (Long) row[1]));
        return counts;
    }

    /** Running jobs whose last sign of life is older than {@code before}, locked. */
    public List<JobEntity> lockSilentSince(OffsetDateTime before) {
        return getEntityManager().createQuery("from JobEntity where status = 'running' and "
                        + "coalesce(lastHeartbeatAt, dispatchedAt) < :before", JobEntity.class)
                .setParameter("before", before)
                .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                .setHint("jakarta.persistence.lock.timeout", -2)
                .getResultList();
    }

    /** Queued QLoRA jobs waiting for this (base digest, scheme), locked. */
    public List<JobEntity> lockWaitingForQuantization(String baseDigest, String scheme, String ownerTenant) {
        var query = getEntityManager().createQuery("from JobEntity where status = 'queued' and quantizationScheme = :scheme "
                        + "and baseModelDigest = :digest and quantizedModelDigest is null"
                        + (ownerTenant == null ? "" : " and tenantId = :tenant"), JobEntity.class)
                .setParameter("scheme", scheme).setParameter("digest", baseDigest);
        if (ownerTenant != null) {
            query.setParameter("tenant", ownerTenant);
        }
        return query.setLockMode(LockModeType.PESSIMISTIC_WRITE).getResultList();
    }

    /** The job, row-locked for an update from an event. */
    public Optional<JobEntity> lock(String id) {
        return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }
}
