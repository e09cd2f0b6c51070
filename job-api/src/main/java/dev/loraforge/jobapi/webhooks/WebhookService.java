package dev.loraforge.jobapi.webhooks;

import dev.loraforge.jobapi.mapping.ApiObjects.ListObject;
import dev.loraforge.jobapi.rest.ApiException;
import dev.loraforge.jobapi.service.Ids;
import dev.loraforge.jobapi.webhooks.WebhookObjects.AttemptObject;
import dev.loraforge.jobapi.webhooks.WebhookObjects.CreateWebhookRequest;
import dev.loraforge.jobapi.webhooks.WebhookObjects.DeliveryObject;
import dev.loraforge.jobapi.webhooks.WebhookObjects.EndpointObject;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tenant's webhook endpoints: create (URL checked, secret issued), list, retrieve, delete (its
 * deliveries and their log go with it), rotate the secret, read the delivery log. Every read and
 * write is scoped to the tenant; another tenant's endpoint is not found.
 */
@ApplicationScoped
public class WebhookService {

    static final int MAX_DESCRIPTION = 512;

    private final WebhookEndpointRepository endpoints;
    private final WebhookDeliveryRepository deliveries;
    private final WebhookAttemptRepository attempts;
    private final WebhookConfig config;
    private final UrlGuard guard;
    private final EntityManager em;

    public WebhookService(WebhookEndpointRepository endpoints, WebhookDeliveryRepository deliveries,
                          WebhookAttemptRepository attempts, WebhookConfig config, EntityManager em) {
        this.endpoints = endpoints;
        this.deliveries = deliveries;
        this.attempts = attempts;
        this.config = config;
        this.em = em;
        this.guard = new UrlGuard(config.allowPrivateUrls());
    }

    /** The new endpoint, with its secret (shown this once). */
    public EndpointObject create(String tenantId, CreateWebhookRequest request) {
        if (request == null) {
            throw ApiException.invalid("The request body is required: {\"url\": \"https://...\", \"events\": [...]}.", null);
        }
        List<String> events = checkEvents(request.events()); // the cheap checks before any DNS lookup
        // resolving the host may take a while: before the transaction, not holding a connection
        String url = checkUrl(request.url()).toString();
        String description = request.description();
        if (description != null && description.length() > MAX_DESCRIPTION) {
            throw ApiException.invalid("description is " + description.length() + " characters long; at most "
                    + MAX_DESCRIPTION + " are accepted.", "description");
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            // one create at a time per tenant, so the limit holds under concurrent creates
            em.createNativeQuery("SELECT id FROM tenants WHERE id = ?1 FOR UPDATE").setParameter(1, tenantId).getResultList();
            long count = endpoints.count("tenantId", tenantId);
            if (count >= config.maxEndpointsPerTenant()) {
                throw ApiException.invalid("This organization already has " + count + " webhook endpoints, the limit; "
                        + "delete one (DELETE /v1/webhooks/{id}) before creating another.", null);
            }
            WebhookEndpointEntity e = new WebhookEndpointEntity();
            e.id = id("wh");
            e.tenantId = tenantId;
            e.url = url;
            e.events = events.toArray(String[]::new);
            e.description = description;
            e.secret = WebhookSigner.newSecret();
            e.status = WebhookEndpointEntity.ENABLED;
            e.createdAt = now();
            endpoints.persist(e);
            return EndpointObject.of(e, true);
        });
    }

    @Transactional
    public ListObject<EndpointObject> page(String tenantId, String after, int size) {
        WebhookEndpointEntity cursor = after == null ? null : endpoints.findForTenant(tenantId, after)
                .orElseThrow(() -> ApiException.notFound("webhook endpoint", after, "after"));
        List<WebhookEndpointEntity> page = endpoints.page(tenantId, cursor, size);
        List<EndpointObject> data = page.stream().limit(size).map(e -> EndpointObject.of(e, false)).toList();
        return ListObject.of(data, page.size() > size, EndpointObject::id);
    }

    @Transactional
    public EndpointObject retrieve(String tenantId, String id) {
        return EndpointObject.of(find(tenantId, id), false);
    }

    @Transactional
    public void delete(String tenantId, String id) {
        endpoints.delete(find(tenantId, id));
    }

    /**
     * A new secret; with a grace period the replaced one keeps signing too (both signatures are
     * sent) until it ends, so receivers can switch without losing a delivery.
     */
    @Transactional
    public EndpointObject rotate(String tenantId, String id, Long gracePeriodSeconds) {
        long grace = gracePeriodSeconds == null ? 0 : gracePeriodSeconds;
        long max = config.maxGracePeriod().toSeconds();
        if (grace < 0 || grace > max) {
            throw ApiException.invalid("grace_period_seconds must be between 0 and " + max + ", got " + grace + ".",
                    "grace_period_seconds");
        }
        WebhookEndpointEntity e = find(tenantId, id);
        OffsetDateTime now = now();
        if (grace > 0) {
            e.previousSecret = e.secret;
            e.previousSecretExpiresAt = now.plus(Duration.ofSeconds(grace));
        } else {
            e.previousSecret = null;
            e.previousSecretExpiresAt = null;
        }
        e.secret = WebhookSigner.newSecret();
        return EndpointObject.of(e, true);
    }

    /** The endpoint's deliveries, newest first, each with its attempts. */
    @Transactional
    public ListObject<DeliveryObject> deliveries(String tenantId, String id, String after, int size) {
        WebhookEndpointEntity e = find(tenantId, id);
        WebhookDeliveryEntity cursor = null;
        if (after != null) {
            cursor = deliveries.findByIdOptional(after).filter(d -> d.endpointId.equals(e.id))
                    .orElseThrow(() -> ApiException.notFound("webhook delivery", after, "after"));
        }
        List<WebhookDeliveryEntity> page = deliveries.page(e.id, cursor, size);
        List<WebhookDeliveryEntity> shown = page.stream().limit(size).toList();
        Map<String, List<WebhookAttemptEntity>> log = attempts.forDeliveries(shown.stream().map(d -> d.id).toList());
        List<DeliveryObject> data = new ArrayList<>(shown.size());
        for (WebhookDeliveryEntity d : shown) {
            data.add(DeliveryObject.of(d, log.getOrDefault(d.id, List.of()).stream().map(AttemptObject::of).toList()));
        }
        return ListObject.of(data, page.size() > size, DeliveryObject::id);
    }

    private WebhookEndpointEntity find(String tenantId, String id) {
        return endpoints.findForTenant(tenantId, id)
                .orElseThrow(() -> ApiException.notFound("webhook endpoint", id, "webhook_id"));
    }

    private java.net.URI checkUrl(String url) {
        try {
            return guard.check(url);
        } catch (UrlGuard.RefusedUrl e) {
            throw ApiException.invalid(e.getMessage(), "url");
        }
    }

    private static List<String> checkEvents(List<String> events) {
        if (events == null) {
            return WebhookEventTypes.ALL;
        }
        if (events.isEmpty()) {
            throw ApiException.invalid("events must name at least one event type of " + WebhookEventTypes.ALL
                    + " (leave it out to receive all of them).", "events");
        }
        Set<String> chosen = new LinkedHashSet<>();
        for (int i = 0; i < events.size(); i++) {
            String type = events.get(i);
            if (type == null) { // List.of(...).contains(null) throws: this was a 500
                throw ApiException.invalid("events[" + i + "] is null; each entry is an event type of "
                        + WebhookEventTypes.ALL + ".", "events");
            }
            if (!WebhookEventTypes.ALL.contains(type)) {
                throw ApiException.invalid("events[" + i + "] '" + type + "' is not an event type; valid types are "
                        + WebhookEventTypes.ALL + ".", "events");
            }
            chosen.add(type);
        }
        return List.copyOf(chosen);
    }

    /** {@code <prefix>_} and 24 random alphanumerics. */
    static String id(String prefix) {
        return prefix + "_" + Ids.next("x").substring(2);
    }

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
