package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.client.ArtifactStoreClient;
import dev.loraforge.jobapi.repository.CheckpointEntity;
import dev.loraforge.jobapi.repository.CheckpointRepository;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.rest.ApiException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The {@code model} of a completions request, as inference-service needs it: a base model of the
 * registry (by name), one of the caller's own fine-tuned models ({@code ft:...} of a succeeded job:
 * its adapter on the base it was trained on, the quantized variant for QLoRA), or a training checkpoint of one of its
 * jobs ({@code ft:...:ckpt-step-N}: the adapter the checkpoint holds). Anything else,
 * another tenant's fine-tuned model included, is 404 {@code model_not_found}.
 */
@ApplicationScoped
public class ModelResolver {

    /** What to serve: the base's digest and name, and the adapter's digest (null for the base alone). */
    public record Resolved(String baseDigest, String baseName, String adapterDigest) {
    }

    private final JobRepository jobs;
    private final CheckpointRepository checkpoints;
    private final ArtifactStoreClient store;

    public ModelResolver(JobRepository jobs, CheckpointRepository checkpoints, ArtifactStoreClient store) {
        this.jobs = jobs;
        this.checkpoints = checkpoints;
        this.store = store;
    }

    public Resolved resolve(String tenantId, String model) {
        FineTunedNames.CheckpointRef checkpoint = FineTunedNames.parseCheckpoint(model);
        if (checkpoint != null) {
            return checkpoint(tenantId, model, checkpoint);
        }
        if (model.startsWith("ft:")) {
            JobEntity job = QuarkusTransaction.requiringNew().call(() -> jobs.find(
                    "tenantId = ?1 and fineTunedModel = ?2 and status = 'succeeded' and modelDeletedAt is null", tenantId, model).firstResult());
            if (job == null || job.adapterDigest == null || job.baseModelDigest == null) {
                throw notFound(model);
            }
            String base = job.quantizedModelDigest != null ? job.quantizedModelDigest : job.baseModelDigest;
            return new Resolved(base, job.baseModelName(), job.adapterDigest);
        }
        return store.baseModel(model, tenantId).map(m -> new Resolved(m.digest(), m.name(), null))
                .orElseThrow(() -> notFound(model));
    }

    /**
     * A training checkpoint of one of the caller's jobs ({@code ft:...:ckpt-step-N}, as the checkpoint lists name
     * it): the adapter the checkpoint holds, on the job's base; usable as soon as the checkpoint is saved.
     */
    private Resolved checkpoint(String tenantId, String model, FineTunedNames.CheckpointRef ref) {
        return QuarkusTransaction.requiringNew().call(() -> {
            JobEntity job = jobs.find("id = ?1 and tenantId = ?2 and modelDeletedAt is null", ref.jobId(), tenantId)
                    .firstResult();
            CheckpointEntity saved = savedCheckpoint(job, model, ref);
            String base = job.quantizedModelDigest != null ? job.quantizedModelDigest : job.baseModelDigest;
            return new Resolved(base, job.baseModelName(), saved.digest);
        });
    }

    /** When the caller's checkpoint model {@code model} was saved (epoch seconds); 404 when it is not the caller's. */
    public long checkpointCreatedAt(String tenantId, String model) {
        FineTunedNames.CheckpointRef ref = FineTunedNames.parseCheckpoint(model);
        if (ref == null) {
            throw notFound(model);
        }
        return QuarkusTransaction.requiringNew().call(() -> savedCheckpoint(jobs.find(
                "id = ?1 and tenantId = ?2 and modelDeletedAt is null", ref.jobId(), tenantId).firstResult(), model, ref)
                .createdAt.toEpochSecond());
    }

    private CheckpointEntity savedCheckpoint(JobEntity job, String model, FineTunedNames.CheckpointRef ref) {
        if (job == null || job.baseModelDigest == null || !model.equals(FineTunedNames.checkpoint(job, ref.step()))) {
            throw notFound(model);
        }
        return checkpoints.forJob(job.id).stream().filter(c -> c.step == ref.step()).findFirst()
                .orElseThrow(() -> notFound(model));
    }

    private static ApiException notFound(String model) {
        return new ApiException(404, "invalid_request_error", "The model '" + model
                + "' does not exist or you do not have access to it.", "model", "model_not_found");
    }
}
