package dev.loraforge.jobapi.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;

@ApplicationScoped
public class OutboxRepository implements PanacheRepositoryBase<OutboxEntity, Long> {

    /**
     * The oldest unpublished rows, locked; rows locked by another relay instance are skipped
     * (SKIP LOCKED), so replicas of job-api share the work without publishing a row twice.
     */
    public List<OutboxEntity> lockUnpublished(int max) {
        return getEntityManager().createQuery(
                        "from OutboxEntity where publishedAt is null order by id", OutboxEntity.class)
                .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                .setHint("jakarta.persistence.lock.timeout", -2) // SKIP LOCKED
                .setMaxResults(max)
                .getResultList();
    }

    public long countUnpublished() {
        return count("publishedAt is null");
    }
}
