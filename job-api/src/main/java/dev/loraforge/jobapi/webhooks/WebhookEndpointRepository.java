package dev.loraforge.jobapi.webhooks;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class WebhookEndpointRepository implements PanacheRepositoryBase<WebhookEndpointEntity, String> {

    /** A tenant's endpoint; another tenant's id is simply not found. */
    public Optional<WebhookEndpointEntity> findForTenant(String tenantId, String id) {
        return find("id = ?1 and tenantId = ?2", id, tenantId).firstResultOptional();
    }

    /** Newest first, after the cursor endpoint when given; one more than {@code size} tells if more follow. */
    public List<WebhookEndpointEntity> page(String tenantId, WebhookEndpointEntity after, int size) {
        if (after == null) {
            return find("tenantId = ?1 order by createdAt desc, id desc", tenantId).page(Page.ofSize(size + 1)).list();
        }
        return find("tenantId = ?1 and (createdAt < ?2 or (createdAt = ?2 and id < ?3)) order by createdAt desc, id desc",
                tenantId, after.createdAt, after.id).page(Page.ofSize(size + 1)).list();
    }

    public List<WebhookEndpointEntity> enabledForTenant(String tenantId) {
        return list("tenantId = ?1 and status = ?2 order by createdAt, id", tenantId, WebhookEndpointEntity.ENABLED);
    }
}
