package dev.loraforge.jobapi.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

@ApplicationScoped
public class FileRepository implements PanacheRepositoryBase<FileEntity, String> {

    /** A tenant's file; another tenant's id is simply not found. */
    public Optional<FileEntity> findForTenant(String tenantId, String id) {
        return find("id = ?1 and tenantId = ?2", id, tenantId).firstResultOptional();
    }
}
