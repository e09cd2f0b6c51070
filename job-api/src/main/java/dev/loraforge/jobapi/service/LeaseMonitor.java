package dev.loraforge.jobapi.service;

import dev.loraforge.events.platform.KafkaReadinessCheck;
import dev.loraforge.jobapi.config.JobApiConfig;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.jboss.logging.Logger;

/**
 * The trainers' leases: a running attempt proves it is alive with its progress and heartbeats. One
 * silent for longer than {@code jobapi.lease-timeout} has lost its lease (its worker died or was cut
 * off): the job gets a new attempt, dispatched again and resumed from its latest checkpoint; events
 * of the old attempt are ignored from then on.
 *
 * <p>Silence counts only while job-api could have heard: a lease is judged on a whole lease of watching. After
 * job-api starts (it may have been down longer than a lease while heartbeats waited in Kafka), after its progress
 * consumer got its partitions (a restarted instance gets none until the group has rebalanced, which takes up to the
 * consumer session timeout when the previous one was killed: {@code HeartbeatListening}), and after Kafka was
 * unreachable (no heartbeat could travel), nothing is judged until it has been reading for a full lease again;
 * while Kafka is unreachable or no progress partition is assigned nothing is judged at all. The same after the
 * database was unreachable: the heartbeats that arrived meanwhile are written only once it is back. So job-api's own downtime, or the broker's, never kills a
 * healthy attempt; a trainer that really died is found one lease after job-api can hear again.
 */
@ApplicationScoped
public class LeaseMonitor {

    private static final Logger LOG = Logger.getLogger(LeaseMonitor.class);

    private final JobRepository jobs;
    private final JobControlService control;
    private final JobApiConfig config;
    private final KafkaReadinessCheck kafka;
    private final dev.loraforge.jobapi.messaging.HeartbeatListening listening;
    private final dev.loraforge.jobapi.metrics.OperatorMetrics metrics;
    /** Since when job-api has been able to hear heartbeats without a break. */
    private volatile OffsetDateTime watchingSince = now();
    private volatile boolean kafkaWasDown;
    private final dev.loraforge.events.platform.DatabaseOutage.Ticks leaseChecks =
            new dev.loraforge.events.platform.DatabaseOutage.Ticks("the lease check (no lease is judged)");

    public LeaseMonitor(JobRepository jobs, JobControlService control, JobApiConfig config,
                        @org.eclipse.microprofile.health.Readiness KafkaReadinessCheck kafka,
                        @io.smallrye.common.annotation.Identifier(dev.loraforge.jobapi.messaging.HeartbeatListening.NAME)
                        dev.loraforge.jobapi.messaging.HeartbeatListening listening,
                        dev.loraforge.jobapi.metrics.OperatorMetrics metrics) {
        this.listening = listening;
        this.metrics = metrics;
        this.jobs = jobs;
        this.control = control;
        this.config = config;
        this.kafka = kafka;
    }

    void onStart(@Observes StartupEvent event) {
        watchingSince = now();
    }

    @Scheduled(every = "${jobapi.lease-check-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "5s")
    void run() {
        if (kafka.call().getStatus() != HealthCheckResponse.Status.UP) {
            if (!kafkaWasDown) {
                LOG.warn("Kafka is unreachable: no lease is judged until heartbeats can travel again");
            }
            kafkaWasDown = true;
            return;
        }
        if (kafkaWasDown) {
            kafkaWasDown = false;
            watchingSince = now();
            LOG.infof("Kafka is back: leases are judged again after %d s of listening", config.leaseTimeout().toSeconds());
        }
        leaseChecks.run(this::expireLeases);
        if (leaseChecks.away()) {
            // heartbeats heard meanwhile wait in Kafka (the progress consumer waits for the database): leases are
            // judged again only after a whole lease of the database answering
            watchingSince = now();
        }
    }

    /** job-api starts listening afresh (as after a restart): no lease is judged for a whole lease from now. */
    public void restartWatching() {
        watchingSince = now();
    }

    /** @return how many attempts lost their lease */
    @Transactional
    public int expireLeases() {
        OffsetDateTime before = now().minus(config.leaseTimeout());
        // the database first, every time: a check that returned before touching it would pass for "the database is
        // back" during an outage (run() judges again only a lease after a check that reached it)
        java.util.List<JobEntity> silent = jobs.lockSilentSince(before);
        java.util.Optional<OffsetDateTime> reading = listening.listeningSince();
        if (reading.isEmpty() || reading.get().isAfter(before) || watchingSince.isAfter(before)) {
            return 0; // no heartbeat partition, or not yet listened for a whole lease: a silence so far is not evidence
        }
        int expired = 0;
        for (JobEntity job : silent) {
            LOG.warnf("attempt %d of %s lost its lease (silent since %s); retrying", job.attempt, job.id,
                    job.lastHeartbeatAt);
            control.retry(job, "attempt " + job.attempt + " lost its lease (no heartbeat for "
                    + config.leaseTimeout().toSeconds() + " s)");
            metrics.leaseExpired();
            expired++;
        }
        return expired;
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
