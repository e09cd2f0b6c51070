package dev.loraforge.jobapi.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.events.platform.TraceContext;
import dev.loraforge.jobapi.mapping.JobMapper;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.service.JobEnded;
import dev.loraforge.jobapi.webhooks.WebhookObjects.EventData;
import dev.loraforge.jobapi.webhooks.WebhookObjects.EventObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Observes {@link JobEnded} inside the transaction that ends the job and writes one pending
 * delivery per enabled endpoint of the job's tenant that subscribes to the event type. The rows
 * commit with the ending or roll back with it: an accepted ending is never lost, a rolled-back one
 * sends nothing. {@link WebhookDispatcher} sends them.
 */
@ApplicationScoped
public class WebhookEventWriter {

    private static final Logger LOG = Logger.getLogger(WebhookEventWriter.class);

    private final WebhookEndpointRepository endpoints;
    private final WebhookDeliveryRepository deliveries;
    private final JobMapper mapper;
    private final ObjectMapper json;

    public WebhookEventWriter(WebhookEndpointRepository endpoints, WebhookDeliveryRepository deliveries,
                              JobMapper mapper, ObjectMapper json) {
        this.endpoints = endpoints;
        this.deliveries = deliveries;
        this.mapper = mapper;
        this.json = json;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    void on(@Observes JobEnded ended) {
        JobEntity job = ended.job();
        String type = WebhookEventTypes.forStatus(job.status);
        List<WebhookEndpointEntity> targets = endpoints.enabledForTenant(job.tenantId).stream()
                .filter(e -> e.wants(type)).toList();
        if (targets.isEmpty()) {
            return;
        }
        OffsetDateTime now = WebhookService.now();
        OffsetDateTime happened = job.finishedAt == null ? now : job.finishedAt;
        String eventId = WebhookService.id("evt");
        String payload = write(new EventObject(eventId, "event", happened.toEpochSecond(), type,
                new EventData(job.id, mapper.job(job))));
        for (WebhookEndpointEntity endpoint : targets) {
            WebhookDeliveryEntity d = new WebhookDeliveryEntity();
            d.id = WebhookService.id("whdel");
            d.endpointId = endpoint.id;
            d.eventId = eventId;
            d.eventType = type;
            d.jobId = job.id;
            d.payload = payload;
            d.status = WebhookDeliveryEntity.PENDING;
            d.nextAttemptAt = now;
            d.createdAt = now;
            // the ending's trace (the outcome event being applied), else the job's own
            String current = TraceContext.current();
            d.traceparent = current != null ? current : job.traceparent;
            deliveries.persist(d);
        }
        LOG.infof("%s %s of %s queued for %d webhook endpoint(s)", type, eventId, job.id, targets.size());
    }

    private String write(EventObject event) {
        try {
            return json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("webhook event not serializable", e);
        }
    }
}
