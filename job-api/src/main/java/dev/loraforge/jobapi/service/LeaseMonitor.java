package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.config.JobApiConfig;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import io.quarkus.scheduler.Scheduled;
import dev.loraforge.jobapi.messaging.HeartbeatStream;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jboss.logging.Logger;

/**
 * The trainers' leases: a running attempt proves it is alive with its progress and heartbeats. One
 * silent for longer than {@code jobapi.lease-timeout} has lost its lease (its worker died or was cut
 * off): the job gets a new attempt, dispatched again and resumed from its latest checkpoint; events
 * of the old attempt are ignored from then on.
 *
 * <p>Judged on evidence: when attempts look silent, the monitor notes how far the heartbeat stream reaches now and
 * decides only once job-api has processed it up to there ({@link HeartbeatStream}), so a heartbeat waiting in Kafka
 * (job-api was down longer than the lease, or behind) keeps its attempt alive; without a Kafka assignment (the
 * broker is down) nothing is judged, since no heartbeat could arrive.
 */
@ApplicationScoped
public class LeaseMonitor {

    private static final Logger LOG = Logger.getLogger(LeaseMonitor.class);

    private final JobRepository jobs;
    private final JobControlService control;
    private final JobApiConfig config;

    private final HeartbeatStream heartbeats;
    /** The heartbeat stream's ends when silence was first seen: judged once read up to there. */
    private Map<TopicPartition, Long> judgeAfter;
    /** The silence threshold when that evidence was noted. */
    private OffsetDateTime silentBefore;

    public LeaseMonitor(JobRepository jobs, JobControlService control, JobApiConfig config, HeartbeatStream heartbeats) {
        this.heartbeats = heartbeats;
        this.jobs = jobs;
        this.control = control;
        this.config = config;
    }

    @Scheduled(every = "${jobapi.lease-check-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "5s")
    void run() {
        OffsetDateTime before = OffsetDateTime.now(ZoneOffset.UTC).minus(config.leaseTimeout());
        if (!QuarkusTransaction.requiringNew().call(() -> jobs.anySilentSince(before))) {
            judgeAfter = null;
            return;
        }
        if (judgeAfter == null) {
            judgeAfter = heartbeats.endsNow();
            silentBefore = before;
            if (judgeAfter == null) {
                LOG.debug("attempts look silent, but no heartbeat partition is assigned: not judging");
                return;
            }
        }
        if (!heartbeats.processedUpTo(judgeAfter)) {
            LOG.debugf("attempts look silent; reading the heartbeats up to %s first", judgeAfter);
            return;
        }
        judgeAfter = null;
        // only attempts already silent when the evidence was taken: later silence waits for evidence of its own
        expireLeases(silentBefore);
    }

    /** @return how many attempts lost their lease (silent since {@code before}) */
    @Transactional
    public int expireLeases(OffsetDateTime before) {
        int expired = 0;
        for (JobEntity job : jobs.lockSilentSince(before)) {
            LOG.warnf("attempt %d of %s lost its lease (silent since %s); retrying", job.attempt, job.id,
                    job.lastHeartbeatAt);
            control.retry(job, "attempt " + job.attempt + " lost its lease (no heartbeat for "
                    + config.leaseTimeout().toSeconds() + " s)");
            expired++;
        }
        return expired;
    }
}
