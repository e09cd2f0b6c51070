package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.repository.JobEntity;
import org.jboss.logging.Logger;

/**
 * The only writer of a job's status: every change (create, progress, leases, control, outcomes)
 * goes through {@link #move}, which applies {@link JobStatus}'s transition table. An illegal
 * transition is refused and logged, and the job is left as it was.
 */
public final class JobLifecycle {

    private static final Logger LOG = Logger.getLogger(JobLifecycle.class);

    private JobLifecycle() {
    }

    /** A new job starts {@code queued}. */
    public static void start(JobEntity job) {
        job.status = JobStatus.QUEUED.wire();
    }

    /**
     * Moves {@code job} to {@code next} when the table allows it; otherwise logs why and changes nothing.
     *
     * @return whether the job moved (or stayed, where staying is allowed)
     */
    public static boolean move(JobEntity job, JobStatus next, String cause) {
        JobStatus from = job.status();
        if (!from.allows(next)) {
            LOG.warnf("job %s: %s -> %s refused (%s); a %s job may become %s", job.id, from.wire(), next.wire(), cause,
                    from.wire(), from.next().isEmpty() ? "nothing (it has ended)" : from.next());
            return false;
        }
        job.status = next.wire();
        return true;
    }
}
