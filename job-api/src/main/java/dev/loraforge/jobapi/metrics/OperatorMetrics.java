package dev.loraforge.jobapi.metrics;

import dev.loraforge.events.platform.DatabaseOutage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What an operator pages on, at {@code /q/metrics} (Prometheus names in brackets):
 * <ul>
 * <li>{@code loraforge.jobs.queued} / {@code loraforge.jobs.running}, per {@code tenant}
 *     ({@code loraforge_jobs_queued}): the queue depth per tenant and the slots in use;</li>
 * <li>{@code loraforge.outbox.unpublished} and {@code loraforge.outbox.lag} (seconds: the age of the oldest record
 *     not yet acknowledged by Kafka, 0 when none): a broker that is away shows here first;</li>
 * <li>{@code loraforge.leases.expired} ({@code loraforge_leases_expired_total}): attempts declared lost;</li>
 * <li>{@code loraforge.webhooks.deliveries} per {@code result} ({@code delivered}, {@code failed}): attempts to
 *     deliver a webhook.</li>
 * </ul>
 * The gauges are read from the database every {@code jobapi.metrics-interval} (15 s), not on each scrape.
 */
@ApplicationScoped
public class OperatorMetrics {

    private final EntityManager db;
    private final MultiGauge queued;
    private final MultiGauge running;
    private final AtomicLong unpublished = new AtomicLong();
    private final AtomicLong lagSeconds = new AtomicLong();
    private final Counter leasesExpired;
    private final Counter delivered;
    private final Counter failed;
    private final DatabaseOutage.Ticks ticks = new DatabaseOutage.Ticks("the operator metrics");

    public OperatorMetrics(EntityManager db, MeterRegistry registry) {
        this.db = db;
        this.queued = MultiGauge.builder("loraforge.jobs.queued").description("jobs waiting, per tenant").register(registry);
        this.running = MultiGauge.builder("loraforge.jobs.running").description("jobs training, per tenant")
                .register(registry);
        registry.gauge("loraforge.outbox.unpublished", Tags.empty(), unpublished);
        io.micrometer.core.instrument.Gauge.builder("loraforge.outbox.lag", lagSeconds, AtomicLong::get)
                .description("age of the oldest event not yet acknowledged by Kafka").baseUnit("seconds").register(registry);
        this.leasesExpired = Counter.builder("loraforge.leases.expired").description("attempts that lost their lease")
                .register(registry);
        this.delivered = Counter.builder("loraforge.webhooks.deliveries").tag("result", "delivered").register(registry);
        this.failed = Counter.builder("loraforge.webhooks.deliveries").tag("result", "failed").register(registry);
    }

    public void leaseExpired() {
        leasesExpired.increment();
    }

    public void webhookAttempt(boolean wasDelivered) {
        (wasDelivered ? delivered : failed).increment();
    }

    @Scheduled(every = "${jobapi.metrics-interval}", delayed = "2s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        ticks.run(() -> QuarkusTransaction.requiringNew().run(this::read));
    }

    /** Reads the gauges now (also for tests). */
    public void read() {
        List<MultiGauge.Row<?>> q = new ArrayList<>();
        List<MultiGauge.Row<?>> r = new ArrayList<>();
        for (Object[] row : db.createQuery("select tenantId, status, count(*) from JobEntity"
                + " where status in ('queued', 'running') group by tenantId, status", Object[].class).getResultList()) {
            MultiGauge.Row<?> gauge = MultiGauge.Row.of(Tags.of("tenant", (String) row[0]), ((Long) row[2]).doubleValue());
            ("queued".equals(row[1]) ? q : r).add(gauge);
        }
        queued.register(q, true); // tenants with none any more drop out
        running.register(r, true);
        Object[] outbox = db.createQuery("select count(*), min(createdAt) from OutboxEntity where publishedAt is null",
                Object[].class).getSingleResult();
        unpublished.set((Long) outbox[0]);
        OffsetDateTime oldest = (OffsetDateTime) outbox[1];
        lagSeconds.set(oldest == null ? 0 : Math.max(0, Duration.between(oldest, OffsetDateTime.now(ZoneOffset.UTC)).toSeconds()));
    }
}
