package dev.loraforge.artifacts.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** The {@code artifact_warnings} table. */
@ApplicationScoped
public class WarningRepository implements PanacheRepositoryBase<WarningEntity, Long> {

    public boolean exists(String eventId, String artifactId) {
        return count("eventId = ?1 and artifactId = ?2", eventId, artifactId) > 0;
    }

    /** Newest first; {@code jobId} null for all jobs. */
    public List<WarningEntity> newest(String jobId, int limit) {
        var query = jobId == null ? findAll(Sort.descending("id")) : find("jobId", Sort.descending("id"), jobId);
        return query.page(Page.ofSize(limit)).list();
    }
}
