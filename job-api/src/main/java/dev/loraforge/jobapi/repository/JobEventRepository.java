package dev.loraforge.jobapi.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * A job's events. The first one, "Created fine-tuning job: ftjob-...", is not stored: it says what the job's row
 * already holds (its id and creation time), so it is made from the job on reading ({@link #created}), always the
 * oldest, and a create writes one row less. Its id is the job's with the event prefix ({@code ftjob-X} ->
 * {@code ftevent-X}), the same on every read, so it works as a cursor like any other.
 */
@ApplicationScoped
public class JobEventRepository implements PanacheRepositoryBase<JobEventEntity, String> {

    private static final String JOB_PREFIX = "ftjob-";
    private static final String EVENT_PREFIX = "ftevent-";

    /** The job's first event, "Created fine-tuning job: ...", made from the job (never stored). */
    public static JobEventEntity created(JobEntity job) {
        JobEventEntity event = new JobEventEntity();
        event.id = createdId(job.id);
        event.jobId = job.id;
        event.level = "info";
        event.type = "message";
        event.message = "Created fine-tuning job: " + job.id;
        event.createdAt = job.createdAt;
        return event;
    }

    /** The id of the job's "Created fine-tuning job" event. */
    public static String createdId(String jobId) {
        return EVENT_PREFIX + (jobId.startsWith(JOB_PREFIX) ? jobId.substring(JOB_PREFIX.length()) : jobId);
    }

    /**
     * The job's event with that id, the created event included, or null when the job has none such.
     */
    public JobEventEntity find(JobEntity job, String eventId) {
        if (createdId(job.id).equals(eventId)) {
            return created(job);
        }
        JobEventEntity stored = findById(eventId);
        return stored == null || !stored.jobId.equals(job.id) ? null : stored;
    }

    /**
     * Events after the given one (exclusive), oldest first; all of them, the created event first, when
     * {@code afterId} is null or not one of the job's events.
     */
    public List<JobEventEntity> since(JobEntity job, String afterId, int limit) {
        if (createdId(job.id).equals(afterId)) {
            return find("jobId = ?1 order by createdAt, id", job.id).page(0, limit).list();
        }
        JobEventEntity cursor = afterId == null ? null : findById(afterId);
        if (cursor == null || !cursor.jobId.equals(job.id)) {
            List<JobEventEntity> all = new ArrayList<>(Math.min(limit, 64));
            all.add(created(job));
            if (limit > 1) {
                all.addAll(find("jobId = ?1 order by createdAt, id", job.id).page(0, limit - 1).list());
            }
            return all;
        }
        return find("jobId = ?1 and (createdAt > ?2 or (createdAt = ?2 and id > ?3)) order by createdAt, id",
                job.id, cursor.createdAt, cursor.id).page(0, limit).list();
    }

    /** The job's events older than {@code cursor} (one of its events: the last of the previous page), newest first. */
    public List<JobEventEntity> olderThan(JobEntity job, JobEventEntity cursor, int limit) {
        if (cursor.id.equals(createdId(job.id))) {
            return List.of();
        }
        List<JobEventEntity> page = new ArrayList<>(find(
                "jobId = ?1 and (createdAt < ?2 or (createdAt = ?2 and id < ?3)) order by createdAt desc, id desc",
                job.id, cursor.createdAt, cursor.id).page(0, limit).list());
        return withCreatedLast(job, page, limit);
    }

    /** Newest first, as OpenAI lists events; the created event last. */
    public List<JobEventEntity> forJob(JobEntity job, int limit) {
        List<JobEventEntity> page = new ArrayList<>(find("jobId = ?1 order by createdAt desc, id desc", job.id)
                .page(0, limit).list());
        return withCreatedLast(job, page, limit);
    }

    private static List<JobEventEntity> withCreatedLast(JobEntity job, List<JobEventEntity> newestFirst, int limit) {
        if (newestFirst.size() < limit) {
            newestFirst.add(created(job));
        }
        return newestFirst;
    }
}
