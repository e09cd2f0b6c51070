package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.repository.JobEntity;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * The tenants whose every running slot was taken at this replica's last dispatch: their jobs waiting for dispatch
 * are shown as {@code waiting_for_capacity}. Kept here rather than written to each waiting job, which cost a bulk
 * update over every waiting job of the full tenants twice a second (151 ms at 35,000 queued) and a second write of
 * every job created.
 */
@ApplicationScoped
public class RunningSlots {

    private volatile Set<String> full = Set.of();

    void fullAre(Set<String> tenants) {
        full = Set.copyOf(tenants);
    }

    static final String WAITING_FOR_CAPACITY = "waiting_for_capacity";

    /** The job's status detail as shown: a waiting job of a tenant without a free running slot waits for capacity. */
    public String statusDetail(JobEntity job) {
        if (JobService.WAITING_FOR_DISPATCH.equals(job.statusDetail) && job.dispatchedAt == null
                && "queued".equals(job.status) && full.contains(job.tenantId)) {
            return WAITING_FOR_CAPACITY;
        }
        return job.statusDetail;
    }
}
