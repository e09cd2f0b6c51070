package dev.loraforge.jobapi.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class ApiKeyRepository implements PanacheRepositoryBase<ApiKeyEntity, String> {

    /** The live (not revoked) key with this hash. */
    public Optional<ApiKeyEntity> findLive(String keyHash) {
        return find("keyHash = ?1 and revokedAt is null", keyHash).firstResultOptional();
    }

    public List<ApiKeyEntity> forTenant(String tenantId) {
        return list("tenantId = ?1 order by createdAt", tenantId);
    }
}
