package dev.loraforge.jobapi.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.QuantizationOutcome;
import dev.loraforge.jobapi.repository.CheckpointEntity;
import dev.loraforge.jobapi.repository.CheckpointRepository;
import dev.loraforge.events.JobProgress;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Applies trainers' progress and outcomes to jobs. Events of an attempt other than the job's
 * current one are stale and ignored; a job in a terminal status never changes again, so a job
 * never completes twice.
 */
@ApplicationScoped
public class JobUpdateService {

    private static final com.fasterxml.jackson.databind.ObjectMapper HYPERPARAMETERS = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Whether a stored job trains with DPO: its hyperparameters carry a numeric {@code beta} (a supervised job's is absent or null). */
    public static boolean isDpo(JobEntity job) {
        if (job.hyperparameters == null) {
            return false;
        }
        try {
            return HYPERPARAMETERS.readTree(job.hyperparameters).path("beta").isNumber();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static final Logger LOG = Logger.getLogger(JobUpdateService.class);

    private final JobRepository jobs;
    private final JobEventService events;
    private final Event<JobEnded> ended;
    private final CheckpointRepository checkpoints;
    private final ObjectMapper json;
    private final FileService files;

    public JobUpdateService(JobRepository jobs, JobEventService events, Event<JobEnded> ended,
                            CheckpointRepository checkpoints, ObjectMapper json, FileService files) {
        this.files = files;
        this.jobs = jobs;
        this.events = events;
        this.ended = ended;
        this.checkpoints = checkpoints;
        this.json = json;
    }

    /**
     * Progress travels on its own topic, so it may arrive after the attempt's outcome: it is then
     * still recorded as an event, but never changes the ended job.
     *
     * @return whether the progress was recorded
     */
    @Transactional
    public boolean apply(JobProgress progress) {
        return apply(progress, null);
    }

    /** @param emittedAt when the trainer emitted the progress (its CloudEvent time), kept on metrics events */
    @Transactional
    public boolean apply(JobProgress progress, OffsetDateTime emittedAt) {
        JobEntity job = jobs.lock(progress.jobId()).orElse(null);
        if (job == null || job.attempt != progress.attempt()) {
            LOG.infof("progress of %s attempt %d ignored (%s)", progress.jobId(), progress.attempt(),
                    job == null ? "unknown job" : "current attempt is " + job.attempt);
            return false;
        }
        boolean live = !job.isTerminal();
        if (live) {
            job.lastHeartbeatAt = OffsetDateTime.now(ZoneOffset.UTC);
        }
        switch (progress.kind()) {
            case STARTED -> {
                if (live && job.status() != JobStatus.PAUSED && JobLifecycle.move(job, JobStatus.RUNNING, "started")) {
                    job.statusDetail = null;
                }
                events.add(job.id, "info", "message", "Fine-tuning job started on " + progress.workerId(), null);
            }
            case STEP, VALIDATION -> {
                if (live && job.status() != JobStatus.PAUSED && JobLifecycle.move(job, JobStatus.RUNNING, "progress")) {
                    job.statusDetail = null;
                }
                if (live) {
                    if (progress.trainedTokens() != null) {
                        job.trainedTokens = progress.trainedTokens();
                    }
                }
                if (live && progress.etaSeconds() != null) {
                    job.estimatedFinish = OffsetDateTime.now(ZoneOffset.UTC).plusNanos((long) (progress.etaSeconds() * 1e9));
                }
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("step", progress.step());
                data.put("total_steps", progress.totalSteps());
                putIfPresent(data, "train_loss", progress.loss());
                // a DPO job's accuracy is TRL's rewards/accuracies (chosen scored above rejected) and its loss the DPO loss
                boolean dpo = isDpo(job);
                putIfPresent(data, dpo ? "rewards/accuracies" : "train_mean_token_accuracy", progress.meanTokenAccuracy());
                putIfPresent(data, "valid_loss", progress.validationLoss());
                putIfPresent(data, dpo ? "valid_rewards/accuracies" : "valid_mean_token_accuracy",
                        progress.validationMeanTokenAccuracy());
                putIfPresent(data, "learning_rate", progress.learningRate());
                putIfPresent(data, "tokens_per_second", progress.tokensPerSecond());
                putIfPresent(data, "emitted_at_ms", emittedAt == null ? null : emittedAt.toInstant().toEpochMilli());
                events.add(job.id, "info", "metrics", "Step " + progress.step() + "/" + progress.totalSteps()
                        + (progress.loss() == null ? "" : String.format(": training loss=%.4f", progress.loss())), data);
            }
            case MESSAGE -> events.add(job.id, "info", "message", progress.message(), null);
            case PAUSED -> {
                if (live && JobLifecycle.move(job, JobStatus.PAUSED, "the trainer paused")) {
                    job.statusDetail = null;
                    job.estimatedFinish = null;
                }
                events.add(job.id, "info", "message", "The job was paused at step " + progress.step(), null);
            }
            case HEARTBEAT -> {
                return live;
            }
        }
        return true;
    }

    /**
     * Records a checkpoint (of any attempt: a stale attempt's checkpoint is still a valid state of
     * the training); a repeated event of the same step changes nothing.
     */
    @Transactional
    public boolean apply(CheckpointSaved saved) {
        JobEntity job = jobs.lock(saved.jobId()).orElse(null);
        if (job == null || checkpoints.count("jobId = ?1 and step = ?2", saved.jobId(), saved.step()) > 0) {
            return false;
        }
        CheckpointEntity c = new CheckpointEntity();
        c.id = "ftckpt_" + Ids.next("x").substring(2);
        c.jobId = job.id;
        c.attempt = saved.attempt();
        c.step = saved.step();
        c.artifactId = saved.checkpoint().id();
        c.digest = saved.checkpoint().digest();
        c.metrics = write(saved.metrics());
        c.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        checkpoints.persist(c);
        if (saved.attempt() == job.attempt && !job.isTerminal()) {
            job.lastHeartbeatAt = c.createdAt;
        }
        events.add(job.id, "info", "message", "Checkpoint saved at step " + saved.step(), null);
        return true;
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A quantized base is ready (or could not be made): the QLoRA jobs waiting for that
     * (base digest, scheme) become dispatchable (or fail with the reason); for a base model private to a tenant, that
     * tenant's jobs only.
     *
     * @return how many jobs it released or failed
     */
    @Transactional
    public int apply(QuantizationOutcome outcome) {
        List<JobEntity> waiting = jobs.lockWaitingForQuantization(outcome.baseModel().digest(), outcome.scheme(),
                outcome.tenantId());
        for (JobEntity job : waiting) {
            if (outcome.status() == QuantizationOutcome.Status.SUCCEEDED) {
                job.quantizedModelId = outcome.quantizedModel().id();
                job.quantizedModelDigest = outcome.quantizedModel().digest();
                job.statusDetail = JobService.WAITING_FOR_DISPATCH;
                events.add(job.id, "info", "message", "The " + outcome.scheme() + " base is ready ("
                        + outcome.bytesBefore() + " -> " + outcome.bytesAfter() + " bytes)", null);
            } else if (JobLifecycle.move(job, JobStatus.FAILED, "quantization failed")) {
                job.statusDetail = null;
                job.errorCode = "quantization_failed";
                job.errorMessage = "The base model could not be quantized (" + outcome.scheme() + "): "
                        + outcome.error().message();
                job.finishedAt = OffsetDateTime.now(ZoneOffset.UTC);
                events.add(job.id, "error", "message", "The job failed: " + job.errorMessage, null);
                ended.fire(new JobEnded(job));
            }
        }
        return waiting.size();
    }

    /** @return whether the outcome ended the job */
    @Transactional
    public boolean apply(JobOutcome outcome) {
        JobEntity job = current(outcome.jobId(), outcome.attempt());
        if (job == null) {
            return false;
        }
        JobStatus end = switch (outcome.status()) {
            case SUCCEEDED -> JobStatus.SUCCEEDED;
            case FAILED -> JobStatus.FAILED;
            case CANCELLED -> JobStatus.CANCELLED;
        };
        if (!JobLifecycle.move(job, end, "outcome of attempt " + outcome.attempt())) {
            return false;
        }
        job.finishedAt = OffsetDateTime.now(ZoneOffset.UTC);
        job.estimatedFinish = null;
        job.statusDetail = null;
        if (outcome.trainedTokens() != null) {
            job.trainedTokens = outcome.trainedTokens();
        }
        switch (outcome.status()) {
            case SUCCEEDED -> {
                job.adapterId = outcome.adapter().id();
                job.adapterDigest = outcome.adapter().digest();
                job.fineTunedModel = FineTunedNames.model(job);
                job.tokensPerSecond = outcome.metrics().get("tokens_per_second");
                if (outcome.resultFile() != null) {
                    job.resultFileId = files.addResultFile(job, outcome.resultFile(), outcome.adapter().id()).id;
                }
                events.add(job.id, "info", "message", "The job has successfully completed", null);
            }
            case FAILED -> {
                job.errorCode = outcome.error().code();
                job.errorMessage = outcome.error().message();
                events.add(job.id, "error", "message", "The job failed: " + outcome.error().message(), null);
            }
            case CANCELLED -> {
                events.add(job.id, "info", "message", "The job was cancelled", null);
            }
        }
        ended.fire(new JobEnded(job));
        return true;
    }

    private JobEntity current(String jobId, int attempt) {
        JobEntity job = jobs.lock(jobId).orElse(null);
        if (job == null) {
            LOG.warnf("event for unknown job %s ignored", jobId);
            return null;
        }
        if (job.attempt != attempt) {
            LOG.infof("stale event of %s attempt %d ignored (current attempt %d)", jobId, attempt, job.attempt);
            return null;
        }
        if (job.isTerminal()) {
            LOG.infof("event for %s ignored: the job is already %s", jobId, job.status);
            return null;
        }
        return job;
    }

    private static void putIfPresent(Map<String, Object> data, String key, Object value) {
        if (value != null) {
            data.put(key, value);
        }
    }
}
