package dev.loraforge.jobapi.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class CheckpointRepository implements PanacheRepositoryBase<CheckpointEntity, String> {

    /** Newest (highest step) first, as OpenAI lists checkpoints. */
    public List<CheckpointEntity> forJob(String jobId) {
        return list("jobId = ?1 order by step desc", jobId);
    }

    public Optional<CheckpointEntity> latest(String jobId) {
        return find("jobId = ?1 order by step desc", jobId).firstResultOptional();
    }
}
