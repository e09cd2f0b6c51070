package dev.loraforge.quant.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The pairs' rows. Every method runs in the caller's transaction. */
@ApplicationScoped
public class QuantizationRepository implements PanacheRepositoryBase<Quantization, Quantization.Key> {

    /**
     * Creates the pair's row as {@code pending} unless it exists; two concurrent callers meet on the
     * primary key (the second waits for the first to commit, then inserts nothing).
     */
    public void insertIfAbsent(Quantization.Key key, String baseId, String baseName, OffsetDateTime now) {
        getEntityManager().createNativeQuery("INSERT INTO {h-schema}quantizations (base_digest, scheme, tenant_id, base_id,"
                        + " base_name, status, waiting_request_ids, created_at, updated_at)"
                        + " VALUES (?1, ?2, ?6, ?3, ?4, 'pending', '{}', ?5, ?5)"
                        + " ON CONFLICT (base_digest, scheme, tenant_id) DO NOTHING")
                .setParameter(1, key.baseDigest()).setParameter(2, key.scheme()).setParameter(3, baseId)
                .setParameter(4, baseName).setParameter(5, now).setParameter(6, key.tenantId())
                .executeUpdate();
    }

    /** The row, locked until the transaction ends ({@code SELECT ... FOR UPDATE}). */
    public Quantization lock(Quantization.Key key) {
        return findById(key, LockModeType.PESSIMISTIC_WRITE);
    }

    /**
     * Makes {@code owner} the runner of the pair when it is {@code pending}, or {@code running} with a
     * heartbeat older than {@code staleBefore}.
     *
     * @return whether this call took it
     */
    public boolean claim(Quantization.Key key, String owner, OffsetDateTime now, OffsetDateTime staleBefore) {
        return update("status = ?1, owner = ?2, heartbeatAt = ?3, updatedAt = ?3, attempts = attempts + 1"
                        + " where key.baseDigest = ?4 and key.scheme = ?5 and key.tenantId = ?8"
                        + " and (status = ?6 or (status = ?1 and (heartbeatAt is null or heartbeatAt < ?7)))",
                QuantizationStatus.RUNNING, owner, now, key.baseDigest(), key.scheme(), QuantizationStatus.PENDING,
                staleBefore, key.tenantId()) == 1;
    }

    /** Refreshes the heartbeat of the rows {@code owner} runs among {@code keys}. */
    public int heartbeat(String owner, Collection<Quantization.Key> keys, OffsetDateTime now) {
        int n = 0;
        for (Quantization.Key key : keys) {
            n += update("heartbeatAt = ?1 where owner = ?2 and status = ?3 and key.baseDigest = ?4 and key.scheme = ?5"
                            + " and key.tenantId = ?6",
                    now, owner, QuantizationStatus.RUNNING, key.baseDigest(), key.scheme(), key.tenantId());
        }
        return n;
    }

    /** Pairs nobody works on: {@code pending}, or {@code running} with a heartbeat older than {@code staleBefore}. */
    public List<Quantization.Key> unattended(OffsetDateTime staleBefore) {
        return getEntityManager().createQuery("select q.key from Quantization q where q.status = :pending"
                        + " or (q.status = :running and (q.heartbeatAt is null or q.heartbeatAt < :stale))"
                        + " order by q.updatedAt", Quantization.Key.class)
                .setParameter("pending", QuantizationStatus.PENDING)
                .setParameter("running", QuantizationStatus.RUNNING)
                .setParameter("stale", staleBefore)
                .getResultList();
    }

    /** Hands the rows {@code owner} runs back as {@code pending} (a clean shutdown). */
    public int release(String owner, OffsetDateTime now) {
        return update("status = ?1, owner = null, heartbeatAt = null, updatedAt = ?2 where owner = ?3 and status = ?4",
                QuantizationStatus.PENDING, now, owner, QuantizationStatus.RUNNING);
    }

    /** Rows, most recently changed first, optionally of one status and one base digest. */
    public List<Quantization> search(QuantizationStatus status, String baseDigest, int limit) {
        StringBuilder where = new StringBuilder("1 = 1");
        Map<String, Object> params = new HashMap<>();
        if (status != null) {
            where.append(" and status = :status");
            params.put("status", status);
        }
        if (baseDigest != null) {
            where.append(" and key.baseDigest = :digest");
            params.put("digest", baseDigest);
        }
        return find(where.toString(), Sort.descending("updatedAt").and("key.baseDigest").and("key.scheme"), params)
                .page(0, limit).list();
    }
}
