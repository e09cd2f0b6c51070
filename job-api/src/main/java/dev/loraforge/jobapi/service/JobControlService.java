package dev.loraforge.jobapi.service;

import dev.loraforge.events.JobControl;
import dev.loraforge.events.Topics;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Cancel, pause and resume, as OpenAI's API names them. The job's status changes at once (the
 * database is the record); a job already handed to a trainer is also told through a control event
 * in the outbox. A resumed job is a new attempt that continues from its latest checkpoint.
 */
@ApplicationScoped
public class JobControlService {

    private final JobRepository jobs;
    private final JobEventService events;
    private final OutboxWriter outbox;
    private final Event<JobEnded> ended;

    public JobControlService(JobRepository jobs, JobEventService events, OutboxWriter outbox, Event<JobEnded> ended) {
        this.jobs = jobs;
        this.events = events;
        this.outbox = outbox;
        this.ended = ended;
    }

    @Transactional
    public JobEntity cancel(String tenantId, String jobId) {
        JobEntity job = lock(tenantId, jobId);
        if (!job.status().allows(JobStatus.CANCELLED)) {
            throw conflict(job, "cancel");
        }
        boolean atTrainer = job.dispatchedAt != null || job.status() == JobStatus.PAUSED;
        JobLifecycle.move(job, JobStatus.CANCELLED, "cancelled by the tenant");
        job.statusDetail = null;
        job.finishedAt = OffsetDateTime.now(ZoneOffset.UTC);
        job.estimatedFinish = null;
        events.add(job.id, "info", "message", "The job was cancelled", null);
        if (atTrainer) {
            outbox.add(Topics.JOB_CONTROL, job.id, new JobControl(job.id, JobControl.Action.CANCEL, "cancelled by the tenant"));
        }
        ended.fire(new JobEnded(job));
        return job;
    }

    @Transactional
    public JobEntity pause(String tenantId, String jobId) {
        JobEntity job = lock(tenantId, jobId);
        if (job.status() != JobStatus.RUNNING) { // a queued job has nothing to pause yet
            throw conflict(job, "pause");
        }
        JobLifecycle.move(job, JobStatus.PAUSED, "paused by the tenant");
        job.statusDetail = "pausing";
        events.add(job.id, "info", "message", "Pausing the job: the trainer saves a checkpoint and stops", null);
        outbox.add(Topics.JOB_CONTROL, job.id, new JobControl(job.id, JobControl.Action.PAUSE, "paused by the tenant"));
        return job;
    }

    @Transactional
    public JobEntity resume(String tenantId, String jobId) {
        JobEntity job = lock(tenantId, jobId);
        if (job.status() != JobStatus.PAUSED) {
            throw conflict(job, "resume");
        }
        retry(job, "resumed by the tenant");
        return job;
    }

    /** Starts a new attempt of the job; the dispatcher sends it with the latest checkpoint. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void retry(JobEntity job, String why) {
        if (!JobLifecycle.move(job, JobStatus.QUEUED, why)) {
            return;
        }
        job.attempt++;
        job.statusDetail = JobService.WAITING_FOR_DISPATCH;
        job.dispatchedAt = null;
        job.lastHeartbeatAt = null;
        events.add(job.id, "info", "message", "Attempt " + job.attempt + " queued: " + why
                + "; it continues from the latest checkpoint", null);
    }

    private JobEntity lock(String tenantId, String jobId) {
        JobEntity job = jobs.lock(jobId).filter(j -> j.tenantId.equals(tenantId))
                .orElseThrow(() -> ApiException.notFound("fine-tuning job", jobId, "fine_tuning_job_id"));
        return job;
    }

    private static ApiException conflict(JobEntity job, String action) {
        return ApiException.invalid("Cannot " + action + " job " + job.id + " while its status is '" + job.status + "'.",
                "fine_tuning_job_id");
    }
}
