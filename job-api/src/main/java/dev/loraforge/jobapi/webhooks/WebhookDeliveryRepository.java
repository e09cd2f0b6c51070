package dev.loraforge.jobapi.webhooks;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.OffsetDateTime;
import java.util.List;

@ApplicationScoped
public class WebhookDeliveryRepository implements PanacheRepositoryBase<WebhookDeliveryEntity, String> {

    /**
     * Pending deliveries whose next attempt is due and that no live claim holds, oldest due first,
     * row-locked; rows another replica is claiming right now are skipped ({@code FOR UPDATE SKIP LOCKED}).
     */
    public List<WebhookDeliveryEntity> lockDue(OffsetDateTime now, int max) {
        return getEntityManager().createQuery("from WebhookDeliveryEntity where status = :pending "
                        + "and nextAttemptAt <= :now and (claimedUntil is null or claimedUntil < :now) "
                        + "order by nextAttemptAt, id", WebhookDeliveryEntity.class)
                .setParameter("pending", WebhookDeliveryEntity.PENDING)
                .setParameter("now", now)
                .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                .setHint("jakarta.persistence.lock.timeout", -2) // SKIP LOCKED
                .setMaxResults(max)
                .getResultList();
    }

    /** An endpoint's deliveries, newest first, after the cursor delivery when given; one more than {@code size}. */
    public List<WebhookDeliveryEntity> page(String endpointId, WebhookDeliveryEntity after, int size) {
        if (after == null) {
            return find("endpointId = ?1 order by createdAt desc, id desc", endpointId).page(Page.ofSize(size + 1)).list();
        }
        return find("endpointId = ?1 and (createdAt < ?2 or (createdAt = ?2 and id < ?3)) order by createdAt desc, id desc",
                endpointId, after.createdAt, after.id).page(Page.ofSize(size + 1)).list();
    }

    /** Ends the pending deliveries of an endpoint that no longer takes events. */
    public int failPending(String endpointId, String reason, OffsetDateTime now) {
        return update("status = ?1, lastError = ?2, finishedAt = ?3, nextAttemptAt = null, claimToken = null, "
                        + "claimedUntil = null where endpointId = ?4 and status = ?5",
                WebhookDeliveryEntity.FAILED, reason, now, endpointId, WebhookDeliveryEntity.PENDING);
    }
}
