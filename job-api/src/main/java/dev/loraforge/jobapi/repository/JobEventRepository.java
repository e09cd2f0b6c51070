package dev.loraforge.jobapi.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class JobEventRepository implements PanacheRepositoryBase<JobEventEntity, String> {

    /** Events after the given one (exclusive), oldest first; all of them when {@code afterId} is null. */
    public List<JobEventEntity> since(String jobId, String afterId, int limit) {
        if (afterId == null) {
            return find("jobId = ?1 order by createdAt, id", jobId).page(0, limit).list();
        }
        JobEventEntity cursor = findById(afterId);
        if (cursor == null || !cursor.jobId.equals(jobId)) {
            return find("jobId = ?1 order by createdAt, id", jobId).page(0, limit).list();
        }
        return find("jobId = ?1 and (createdAt > ?2 or (createdAt = ?2 and id > ?3)) order by createdAt, id",
                jobId, cursor.createdAt, cursor.id).page(0, limit).list();
    }

    /** The job's events older than {@code cursor} (the last one of the previous page), newest first. */
    public List<JobEventEntity> olderThan(JobEventEntity cursor, int limit) {
        return find("jobId = ?1 and (createdAt < ?2 or (createdAt = ?2 and id < ?3)) order by createdAt desc, id desc",
                cursor.jobId, cursor.createdAt, cursor.id).page(0, limit).list();
    }

    /** Newest first, as OpenAI lists events. */
    public List<JobEventEntity> forJob(String jobId, int limit) {
        return find("jobId = ?1 order by createdAt desc, id desc", jobId).page(0, limit).list();
    }
}
