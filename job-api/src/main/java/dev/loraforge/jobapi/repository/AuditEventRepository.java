package dev.loraforge.jobapi.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class AuditEventRepository implements PanacheRepositoryBase<AuditEventEntity, Long> {

    /** Newest first, of one tenant (null: all), older than {@code beforeId} (null: from the newest); limit + 1 rows. */
    public List<AuditEventEntity> page(String tenantId, Long beforeId, int limit) {
        StringBuilder query = new StringBuilder("1 = 1");
        Parameters params = new Parameters();
        if (tenantId != null) {
            query.append(" and tenantId = :tenant");
            params.and("tenant", tenantId);
        }
        if (beforeId != null) {
            query.append(" and id < :before");
            params.and("before", beforeId);
        }
        return find(query.toString(), Sort.descending("id"), params).page(0, limit + 1).list();
    }
}
