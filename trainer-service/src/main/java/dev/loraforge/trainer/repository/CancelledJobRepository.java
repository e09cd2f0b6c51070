package dev.loraforge.trainer.repository;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

/**
 * Jobs that job-api cancelled (table {@code cancelled_jobs}). A cancel may overtake its job's
 * dispatch (they travel on different topics); a dispatch of a job listed here is recorded cancelled.
 * Native SQL: the table is named with {@code {h-schema}}, the configured default schema.
 */
@ApplicationScoped
public class CancelledJobRepository {

    private final EntityManager em;

    public CancelledJobRepository(EntityManager em) {
        this.em = em;
    }

    /** Records the cancel (a repeated one changes nothing). */
    public void add(String jobId, String reason) {
        em.createNativeQuery("INSERT INTO {h-schema}cancelled_jobs (job_id, reason) VALUES (?1, ?2) ON CONFLICT (job_id) DO NOTHING")
                .setParameter(1, jobId).setParameter(2, reason).executeUpdate();
    }

    public boolean contains(String jobId) {
        return !em.createNativeQuery("SELECT 1 FROM {h-schema}cancelled_jobs WHERE job_id = ?1").setParameter(1, jobId)
                .getResultList().isEmpty();
    }
}
