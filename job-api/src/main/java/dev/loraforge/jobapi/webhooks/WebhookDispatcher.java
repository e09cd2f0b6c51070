package dev.loraforge.jobapi.webhooks;

import dev.loraforge.jobapi.webhooks.DeliveryLedger.Claim;
import dev.loraforge.jobapi.webhooks.DeliveryLedger.Outcome;
import dev.loraforge.events.platform.TraceContext;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Sends due webhook deliveries: every {@code poll-interval} it claims as many due attempts as it
 * has idle workers ({@code workers}, a bounded pool) and hands one to each; a worker sends it
 * ({@link WebhookSender}) and records the outcome ({@link DeliveryLedger}). Several replicas may
 * run this at once: claims skip rows another replica holds.
 */
@ApplicationScoped
public class WebhookDispatcher {

    private static final Logger LOG = Logger.getLogger(WebhookDispatcher.class);

    private final DeliveryLedger ledger;
    private final WebhookSender sender;
    private final WebhookConfig config;
    private final Semaphore idle;
    private ExecutorService workers;

    private final dev.loraforge.jobapi.metrics.OperatorMetrics metrics;
    private final Tracer tracer;

    public WebhookDispatcher(DeliveryLedger ledger, WebhookSender sender, WebhookConfig config,
                             dev.loraforge.jobapi.metrics.OperatorMetrics metrics, Tracer tracer) {
        this.metrics = metrics;
        this.tracer = tracer;
        this.ledger = ledger;
        this.sender = sender;
        this.config = config;
        this.idle = new Semaphore(config.workers());
    }

    void start(@Observes StartupEvent started) {
        AtomicInteger n = new AtomicInteger();
        workers = Executors.newFixedThreadPool(config.workers(), task -> {
            Thread t = new Thread(task, "webhook-sender-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void stop(@Observes ShutdownEvent stopping) throws InterruptedException {
        if (workers == null) {
            return;
        }
        workers.shutdown();
        // attempts cut short here keep their claim until it expires, then are sent again
        if (!workers.awaitTermination(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
            workers.shutdownNow();
        }
    }

    @Scheduled(every = "${jobapi.webhooks.poll-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        if (workers == null || workers.isShutdown()) {
            return;
        }
        int free = idle.drainPermits();
        if (free == 0) {
            return;
        }
        List<Claim> claims;
        try {
            claims = ledger.claim(free);
        } catch (RuntimeException e) {
            idle.release(free);
            LOG.warnf("webhook deliveries not claimed this time: %s", e.getMessage());
            return;
        }
        idle.release(free - claims.size());
        for (Claim claim : claims) {
            try {
                workers.execute(() -> {
                    try {
                        attempt(claim);
                    } finally {
                        idle.release();
                    }
                });
            } catch (RejectedExecutionException shuttingDown) {
                idle.release(); // the claim expires and another run or replica sends it
            }
        }
    }

    private void attempt(Claim claim) {
        // one span per attempt, a child of the job's ending: the receiver gets its traceparent
        Span span = tracer.spanBuilder("webhook " + claim.eventType()).setSpanKind(SpanKind.CLIENT)
                .setParent(TraceContext.parse(claim.traceparent()))
                .setAttribute("loraforge.job_id", claim.jobId())
                .setAttribute("loraforge.webhook.attempt", claim.attempt())
                .setAttribute("server.address", claim.url().getHost()).startSpan();
        Outcome outcome;
        try (Scope ignored = span.makeCurrent()) {
            outcome = sender.send(claim);
            if (outcome.statusCode() != null) {
                span.setAttribute("http.response.status_code", outcome.statusCode());
            }
            if (!outcome.delivered()) {
                span.setStatus(StatusCode.ERROR, outcome.error() != null ? outcome.error() : "HTTP " + outcome.statusCode());
            }
        } finally {
            span.end();
        }
        metrics.webhookAttempt(outcome.delivered());
        try {
            ledger.record(claim, outcome);
        } catch (RuntimeException e) {
            // the claim expires and the attempt is made again: at least once, never lost
            LOG.errorf(e, "outcome of webhook %s attempt %d to %s not recorded", claim.eventId(), claim.attempt(),
                    claim.url());
        }
    }
}
