package dev.loraforge.jobapi.webhooks;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.loraforge.jobapi.mapping.ApiObjects.JobObject;
import java.time.OffsetDateTime;
import java.util.List;

/** Requests and objects of {@code /v1/webhooks} and the event body, in the API's style (snake_case on the wire). */
public final class WebhookObjects {
    private WebhookObjects() {
    }

    /** {@code POST /v1/webhooks}; {@code events} defaults to all three job endings. */
    public record CreateWebhookRequest(String url, List<String> events, String description) {
    }

    /** {@code POST /v1/webhooks/{id}/rotate_secret}; the replaced secret keeps signing for the grace period (default 0). */
    public record RotateSecretRequest(Long gracePeriodSeconds) {
    }

    /**
     * {@code webhook_endpoint}. {@code secret} is present only in the answers of create and
     * rotate_secret; {@code previous_secret_expires_at} is when the replaced secret stops signing.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record EndpointObject(String id, String object, String url, List<String> events, String description,
                                 String status, String statusReason, long createdAt,
                                 Long previousSecretExpiresAt,
                                 @JsonInclude(JsonInclude.Include.NON_NULL) String secret) {
        static EndpointObject of(WebhookEndpointEntity e, boolean withSecret) {
            return new EndpointObject(e.id, "webhook_endpoint", e.url, List.of(e.events), e.description, e.status,
                    e.statusReason, e.createdAt.toEpochSecond(), unix(e.previousSecretExpiresAt),
                    withSecret ? e.secret : null);
        }
    }

    /** A deleted object, as OpenAI answers a DELETE: {@code webhook_endpoint.deleted}, {@code file}, {@code model}. */
    public record DeletedObject(String id, String object, boolean deleted) {
    }

    /** {@code webhook.delivery}: one event to one endpoint, with its attempts. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record DeliveryObject(String id, String object, String webhookId, String eventId, String eventType,
                                 String fineTuningJobId, String status, int attempts, Integer lastResponseStatusCode,
                                 String lastError, Long nextAttemptAt, Long lastAttemptAt, Long finishedAt,
                                 long createdAt, List<AttemptObject> attemptLog) {
        static DeliveryObject of(WebhookDeliveryEntity d, List<AttemptObject> log) {
            return new DeliveryObject(d.id, "webhook.delivery", d.endpointId, d.eventId, d.eventType, d.jobId, d.status,
                    d.attempts, d.lastStatusCode, d.lastError,
                    WebhookDeliveryEntity.PENDING.equals(d.status) ? unix(d.nextAttemptAt) : null,
                    unix(d.lastAttemptAt), unix(d.finishedAt), d.createdAt.toEpochSecond(), log);
        }
    }

    /** One attempt: when, how long, the receiver's status or the error, and the delay chosen before the next. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record AttemptObject(int attempt, long startedAt, long durationMs, Integer responseStatusCode, String error,
                                Long retryDelayMs) {
        static AttemptObject of(WebhookAttemptEntity a) {
            return new AttemptObject(a.attempt, a.startedAt.toEpochSecond(), a.durationMs, a.statusCode, a.error,
                    a.retryDelayMs);
        }
    }

    /**
     * The body of a delivery, as OpenAI sends its webhook events:
     * {@code {"id":"evt_...","object":"event","created_at":...,"type":"fine_tuning.job.succeeded","data":{"id":"ftjob-..."}}}.
     */
    public record EventObject(String id, String object, long createdAt, String type, EventData data) {
    }

    /** {@code data.id} is the job's id; {@code fine_tuning_job} (extension) is the job as it ended. */
    public record EventData(String id, JobObject fineTuningJob) {
    }

    static Long unix(OffsetDateTime t) {
        return t == null ? null : t.toEpochSecond();
    }
}
