package dev.loraforge.artifacts.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** The {@code checkpoint_events} table. */
@ApplicationScoped
public class CheckpointEventRepository implements PanacheRepositoryBase<CheckpointEventEntity, String> {

    public List<CheckpointEventEntity> forJob(String jobId) {
        return list("jobId = ?1 order by attempt, step, receivedAt", jobId);
    }
}
