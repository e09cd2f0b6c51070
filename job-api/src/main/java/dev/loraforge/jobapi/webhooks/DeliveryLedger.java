package dev.loraforge.jobapi.webhooks;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The database side of sending: claims due attempts (short transactions, so no connection is held
 * while a receiver answers) and records their outcomes, scheduling the next attempt.
 *
 * <p>A claim row-locks due deliveries with {@code FOR UPDATE SKIP LOCKED}, counts the attempt and
 * marks it held until {@code claim-timeout}: another replica neither waits for nor takes it, so
 * no attempt is sent twice at once. If the replica dies before recording the outcome, the claim
 * expires and the delivery is attempted again (receivers dedupe by {@code webhook-id}).
 */
@ApplicationScoped
public class DeliveryLedger {

    private static final Logger LOG = Logger.getLogger(DeliveryLedger.class);

    /** What a worker needs to make one attempt, read in the claiming transaction. */
    public record Claim(String deliveryId, String token, int attempt, String eventId, String eventType, String jobId,
                        String payload, String endpointId, URI url, String secret, String previousSecret,
                        OffsetDateTime previousSecretExpiresAt, String traceparent) {
        /** Signing secrets of an attempt made at {@code at}. */
        List<String> secrets(OffsetDateTime at) {
            List<String> secrets = new ArrayList<>(2);
            secrets.add(secret);
            if (previousSecret != null && previousSecretExpiresAt != null && at.isBefore(previousSecretExpiresAt)) {
                secrets.add(previousSecret);
            }
            return secrets;
        }
    }

    /** How an attempt went; {@code statusCode} null when no response came. */
    public record Outcome(OffsetDateTime startedAt, long durationMs, Integer statusCode, String error,
                          Duration retryAfter) {
        boolean delivered() {
            return statusCode != null && statusCode >= 200 && statusCode < 300;
        }

        boolean gone() {
            return statusCode != null && statusCode == 410;
        }
    }

    private final WebhookDeliveryRepository deliveries;
    private final WebhookEndpointRepository endpoints;
    private final WebhookAttemptRepository attempts;
    private final WebhookConfig config;
    private final Backoff backoff;

    public DeliveryLedger(WebhookDeliveryRepository deliveries, WebhookEndpointRepository endpoints,
                          WebhookAttemptRepository attempts, WebhookConfig config) {
        this.deliveries = deliveries;
        this.endpoints = endpoints;
        this.attempts = attempts;
        this.config = config;
        this.backoff = new Backoff(config.backoffBase(), config.backoffCap(), new Random());
        if (config.claimTimeout().compareTo(config.requestTimeout()) <= 0) {
            throw new IllegalStateException("jobapi.webhooks.claim-timeout (" + config.claimTimeout()
                    + ") must exceed jobapi.webhooks.request-timeout (" + config.requestTimeout() + ")");
        }
        if (config.maxAttempts() < 1 || config.workers() < 1) {
            throw new IllegalStateException("jobapi.webhooks.max-attempts and jobapi.webhooks.workers must be at least 1");
        }
    }

    /** Claims up to {@code max} due attempts. */
    @Transactional
    public List<Claim> claim(int max) {
        OffsetDateTime now = WebhookService.now();
        List<Claim> claims = new ArrayList<>();
        for (WebhookDeliveryEntity d : deliveries.lockDue(now, max)) {
            WebhookEndpointEntity endpoint = endpoints.findById(d.endpointId);
            if (d.attempts >= config.maxAttempts()) {
                // the last allowed attempt was claimed but its outcome never recorded (its replica stopped)
                finish(d, WebhookDeliveryEntity.FAILED, now);
                d.lastError = "attempt " + d.attempts + " of " + config.maxAttempts()
                        + " was interrupted before its outcome was recorded; no attempts are left";
                continue;
            }
            d.attempts++;
            d.claimToken = UUID.randomUUID().toString();
            d.claimedUntil = now.plus(config.claimTimeout());
            claims.add(new Claim(d.id, d.claimToken, d.attempts, d.eventId, d.eventType, d.jobId, d.payload,
                    endpoint.id, URI.create(endpoint.url), endpoint.secret, endpoint.previousSecret,
                    endpoint.previousSecretExpiresAt, d.traceparent));
        }
        return claims;
    }

    /** Logs the attempt and moves the delivery on: delivered, retried later, or failed. */
    @Transactional
    public void record(Claim claim, Outcome outcome) {
        WebhookDeliveryEntity d = deliveries.findById(claim.deliveryId(), LockModeType.PESSIMISTIC_WRITE);
        if (d == null) {
            LOG.infof("webhook %s attempt %d to %s: %s; the endpoint was deleted meanwhile", claim.eventId(),
                    claim.attempt(), claim.url(), describe(outcome));
            return;
        }
        WebhookAttemptEntity a = new WebhookAttemptEntity();
        a.deliveryId = d.id;
        a.attempt = claim.attempt();
        a.startedAt = outcome.startedAt();
        a.durationMs = outcome.durationMs();
        a.statusCode = outcome.statusCode();
        a.error = outcome.error();
        attempts.persist(a);
        if (!claim.token().equals(d.claimToken)) {
            LOG.warnf("webhook %s attempt %d to %s: %s; logged only, its claim had expired", claim.eventId(),
                    claim.attempt(), claim.url(), describe(outcome));
            return;
        }
        OffsetDateTime now = WebhookService.now();
        d.claimToken = null;
        d.claimedUntil = null;
        d.lastAttemptAt = outcome.startedAt();
        d.lastStatusCode = outcome.statusCode();
        d.lastError = outcome.error();
        if (outcome.delivered()) {
            finish(d, WebhookDeliveryEntity.DELIVERED, now);
            LOG.infof("webhook %s (%s) delivered to %s on attempt %d: HTTP %d in %d ms", d.eventId, d.eventType,
                    claim.url(), claim.attempt(), outcome.statusCode(), outcome.durationMs());
        } else if (outcome.gone()) {
            finish(d, WebhookDeliveryEntity.FAILED, now);
            WebhookEndpointEntity endpoint = endpoints.findById(d.endpointId);
            endpoint.status = WebhookEndpointEntity.DISABLED;
            endpoint.statusReason = "the receiver answered 410 Gone on " + now.toLocalDate()
                    + "; delete this endpoint and create a new one to receive events again";
            int others = deliveries.failPending(endpoint.id, "the endpoint was disabled: its receiver answered 410 Gone", now);
            LOG.warnf("webhook endpoint %s disabled: %s answered 410 Gone (%d pending deliveries ended)", endpoint.id,
                    claim.url(), others);
        } else if (claim.attempt() >= config.maxAttempts()) {
            finish(d, WebhookDeliveryEntity.FAILED, now);
            LOG.warnf("webhook %s (%s) to %s failed for good after %d attempts: %s", d.eventId, d.eventType,
                    claim.url(), claim.attempt(), describe(outcome));
        } else {
            Duration delay = backoff.delay(claim.attempt());
            if (outcome.retryAfter() != null && outcome.retryAfter().compareTo(delay) > 0) {
                delay = outcome.retryAfter().compareTo(backoff.cap()) > 0 ? backoff.cap() : outcome.retryAfter();
            }
            d.nextAttemptAt = now.plus(delay);
            a.retryDelayMs = delay.toMillis();
            LOG.infof("webhook %s (%s) to %s attempt %d/%d: %s; next in %d ms", d.eventId, d.eventType, claim.url(),
                    claim.attempt(), config.maxAttempts(), describe(outcome), delay.toMillis());
        }
    }

    private static void finish(WebhookDeliveryEntity d, String status, OffsetDateTime now) {
        d.status = status;
        d.finishedAt = now;
        d.nextAttemptAt = null;
        d.claimToken = null;
        d.claimedUntil = null;
    }

    private static String describe(Outcome o) {
        return (o.statusCode() == null ? o.error() : "HTTP " + o.statusCode() + (o.error() == null ? "" : " (" + o.error() + ")"))
                + " after " + o.durationMs() + " ms";
    }
}
