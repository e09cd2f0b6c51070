package dev.loraforge.jobapi.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.Hyperparameters;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.MethodSpec;
import dev.loraforge.events.Topics;
import dev.loraforge.jobapi.repository.CheckpointEntity;
import dev.loraforge.jobapi.repository.CheckpointRepository;
import dev.loraforge.jobapi.repository.FileEntity;
import dev.loraforge.jobapi.repository.FileRepository;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.repository.TenantRepository;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hands waiting jobs to the trainers, fairly: each tenant has at most its {@code max_running_jobs}
 * dispatched or training at once, and free slots go round-robin to the tenant with the fewest jobs
 * in flight (ties: the oldest waiting job), so one tenant's hundred jobs do not starve another's one.
 * A dispatch is an outbox row written in the same transaction as the job's change. A job whose
 * attempt is retried (lost lease, resume after pause) resumes from its latest checkpoint.
 */
@ApplicationScoped
public class Dispatcher {

    static final String DISPATCHED = "dispatched";
    /** The most jobs of one tenant dispatched in one run. */
    private static final int MAX_PER_TENANT = 500;

    private final JobRepository jobs;
    private final TenantRepository tenants;
    private final FileRepository files;
    private final CheckpointRepository checkpoints;
    private final OutboxWriter outbox;
    private final ObjectMapper json;
    private final RunningSlots slots;

    public Dispatcher(JobRepository jobs, TenantRepository tenants, FileRepository files,
                      CheckpointRepository checkpoints, OutboxWriter outbox, ObjectMapper json, RunningSlots slots) {
        this.slots = slots;
        this.jobs = jobs;
        this.tenants = tenants;
        this.files = files;
        this.checkpoints = checkpoints;
        this.outbox = outbox;
        this.json = json;
    }

    @Scheduled(every = "${jobapi.dispatch-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "1s")
    void run() {
        ticks.run(this::dispatchWaiting);
    }

    private final dev.loraforge.events.platform.DatabaseOutage.Ticks ticks =
            new dev.loraforge.events.platform.DatabaseOutage.Ticks("the dispatcher");

    /** @return how many jobs were dispatched */
    @Transactional
    public int dispatchWaiting() {
        List<String> waitingTenants = jobs.tenantsWaiting();
        if (waitingTenants.isEmpty()) {
            slots.fullAre(Set.of());
            return 0;
        }
        // only the tenants with a free running slot have jobs read, at most as many as they have free slots: a
        // tenant with thousands of jobs queued costs nothing here while its slots are taken
        Map<String, Long> inFlight = jobs.slotsInUse();
        Map<String, Deque<JobEntity>> byTenant = new LinkedHashMap<>();
        Set<String> full = new HashSet<>();
        for (String tenant : waitingTenants) {
            long free = tenants.findById(tenant).maxRunningJobs - inFlight.getOrDefault(tenant, 0L);
            if (free <= 0) {
                full.add(tenant);
            } else {
                byTenant.put(tenant, new ArrayDeque<>(jobs.lockWaiting(tenant, (int) Math.min(free, MAX_PER_TENANT))));
            }
        }
        slots.fullAre(full);
        int dispatched = 0;
        while (true) {
            String next = null;
            for (Map.Entry<String, Deque<JobEntity>> e : byTenant.entrySet()) {
                String tenant = e.getKey();
                long used = inFlight.getOrDefault(tenant, 0L);
                if (e.getValue().isEmpty() || used >= tenants.findById(tenant).maxRunningJobs) {
                    continue;
                }
                if (next == null || used < inFlight.getOrDefault(next, 0L)
                        || (used == inFlight.getOrDefault(next, 0L)
                        && e.getValue().peek().createdAt.isBefore(byTenant.get(next).peek().createdAt))) {
                    next = tenant;
                }
            }
            if (next == null) {
                break;
            }
            dispatch(byTenant.get(next).poll());
            inFlight.merge(next, 1L, Long::sum);
            dispatched++;
        }
        return dispatched;
    }

    private void dispatch(JobEntity job) {
        FileEntity training = files.findById(job.trainingFile);
        FileEntity validation = job.validationFile == null ? null : files.findById(job.validationFile);
        CheckpointEntity resume = job.attempt > 1 ? checkpoints.latest(job.id).orElse(null) : null;
        JobDispatched event = new JobDispatched(job.id, job.tenantId, job.attempt, job.baseModelName(),
                new ArtifactRef(job.baseModelId, job.baseModelDigest),
                job.quantizedModelDigest == null ? null : new ArtifactRef(job.quantizedModelId, job.quantizedModelDigest),
                new ArtifactRef(training.artifactId, training.digest),
                validation == null ? null : new ArtifactRef(validation.artifactId, validation.digest),
                read(job.method, MethodSpec.class), read(job.hyperparameters, Hyperparameters.class), job.seed,
                job.suffix, resume == null ? null : new ArtifactRef(resume.artifactId, resume.digest),
                job.chatTemplateKwargs == null ? null : readMap(job.chatTemplateKwargs),
                job.initAdapterDigest == null ? null : new ArtifactRef(job.initAdapterId, job.initAdapterDigest));
        // every attempt continues the trace the job was created under (the dispatcher's own thread has none)
        outbox.add(Topics.JOB_DISPATCH, job.id, event, job.traceparent);
        job.dispatchedAt = OffsetDateTime.now(ZoneOffset.UTC);
        job.statusDetail = DISPATCHED;
    }

    @SuppressWarnings("unchecked")
    private java.util.Map<String, Object> readMap(String text) {
        return read(text, java.util.Map.class);
    }

    private <T> T read(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored " + type.getSimpleName() + " is unreadable: " + e.getMessage(), e);
        }
    }
}
