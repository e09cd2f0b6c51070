package dev.loraforge.jobapi.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class FileRepository implements PanacheRepositoryBase<FileEntity, String> {

    /** A tenant's file; another tenant's id is simply not found. */
    public Optional<FileEntity> findForTenant(String tenantId, String id) {
        return find("id = ?1 and tenantId = ?2 and deletedAt is null", id, tenantId).firstResultOptional();
    }

    /**
     * A page of a tenant's files, by creation time ({@code ascending} or newest first), optionally of one purpose,
     * starting after the file {@code after} (null: from the start); {@code limit + 1} rows, so that the caller knows
     * whether there are more.
     */
    public List<FileEntity> page(String tenantId, String purpose, FileEntity after, boolean ascending, int limit) {
        StringBuilder query = new StringBuilder("tenantId = :tenant and deletedAt is null");
        Parameters params = Parameters.with("tenant", tenantId);
        if (purpose != null) {
            query.append(" and purpose = :purpose");
            params.and("purpose", purpose);
        }
        if (after != null) {
            query.append(ascending ? " and (createdAt > :at or (createdAt = :at and id > :id))"
                    : " and (createdAt < :at or (createdAt = :at and id < :id))");
            params.and("at", after.createdAt).and("id", after.id);
        }
        Sort sort = ascending ? Sort.ascending("createdAt", "id") : Sort.descending("createdAt", "id");
        return find(query.toString(), sort, params).page(0, limit + 1).list();
    }
}
