package dev.loraforge.artifacts.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class JobOutcomeRepository implements PanacheRepositoryBase<JobOutcomeRecord, JobOutcomeRecord.Key> {

    public List<JobOutcomeRecord> forJob(String jobId) {
        return list("key.jobId = ?1 order by key.attempt", jobId);
    }
}
