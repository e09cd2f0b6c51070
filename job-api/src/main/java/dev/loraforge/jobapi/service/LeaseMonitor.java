package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.config.JobApiConfig;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jboss.logging.Logger;

/**
 * The trainers' leases: a running attempt proves it is alive with its progress and heartbeats. One
 * silent for longer than {@code jobapi.lease-timeout} has lost its lease (its worker died or was cut
 * off): the job gets a new attempt, dispatched again and resumed from its latest checkpoint; events
 * of the old attempt are ignored from then on.
 */
@ApplicationScoped
public class LeaseMonitor {

    private static final Logger LOG = Logger.getLogger(LeaseMonitor.class);

    private final JobRepository jobs;
    private final JobControlService control;
    private final JobApiConfig config;

    public LeaseMonitor(JobRepository jobs, JobControlService control, JobApiConfig config) {
        this.jobs = jobs;
        this.control = control;
        this.config = config;
    }

    @Scheduled(every = "${jobapi.lease-check-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "5s")
    void run() {
        expireLeases();
    }

    /** @return how many attempts lost their lease */
    @Transactional
    public int expireLeases() {
        OffsetDateTime before = OffsetDateTime.now(ZoneOffset.UTC).minus(config.leaseTimeout());
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
