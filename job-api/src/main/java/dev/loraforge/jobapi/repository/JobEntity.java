package dev.loraforge.jobapi.repository;

import dev.loraforge.jobapi.service.JobStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A fine-tuning job: the record of truth; Kafka only delivers. */
@Entity
@Table(name = "jobs")
public class JobEntity {
    @Id
    public String id;
    @Column(name = "tenant_id")
    public String tenantId;
    public String model;
    @Column(name = "base_model_id")
    public String baseModelId;
    @Column(name = "base_model_digest")
    public String baseModelDigest;
    /** QLoRA: the quantization scheme of the base; null for other methods. */
    @Column(name = "quantization_scheme")
    public String quantizationScheme;
    /** QLoRA: the quantized variant of the base, once it exists. */
    @Column(name = "quantized_model_id")
    public String quantizedModelId;
    @Column(name = "quantized_model_digest")
    public String quantizedModelDigest;
    /**
     * OpenAI status: validating_files, queued, running, succeeded, failed, cancelled, and paused; the
     * wire name of a {@link JobStatus}, written only by
     * {@link dev.loraforge.jobapi.service.JobLifecycle}.
     */
    public String status;
    @Column(name = "training_file")
    public String trainingFile;
    @Column(name = "validation_file")
    public String validationFile;
    /** {@link dev.loraforge.events.MethodSpec} as JSON. */
    @JdbcTypeCode(SqlTypes.JSON)
    public String method;
    /** {@link dev.loraforge.events.Hyperparameters} as JSON. */
    @JdbcTypeCode(SqlTypes.JSON)
    public String hyperparameters;
    public long seed;
    public String suffix;
    /** Extra chat template arguments as a JSON object, or null. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "chat_template_kwargs")
    public String chatTemplateKwargs;
    /** OpenAI's metadata: a JSON object of up to 16 string values, or null when none was given. */
    @JdbcTypeCode(SqlTypes.JSON)
    public String metadata;
    /** The current attempt; events of other attempts are stale. */
    public int attempt;
    @Column(name = "trained_tokens")
    public Long trainedTokens;
    @Column(name = "fine_tuned_model")
    public String fineTunedModel;
    /** For a job that continues a fine-tuned model: the base model's name under it (null: {@code model} is the base). */
    @Column(name = "base_model_name")
    public String baseModelName;
    /** The succeeded job whose fine-tuned model this job continues, else null. */
    @Column(name = "parent_job_id")
    public String parentJobId;
    /** That job's adapter artifact, training's starting point. */
    @Column(name = "init_adapter_id")
    public String initAdapterId;
    @Column(name = "init_adapter_digest")
    public String initAdapterDigest;
    /** Training throughput the trainer measured (real tokens per second of training time), succeeded jobs. */
    @Column(name = "tokens_per_second")
    public Double tokensPerSecond;
    /** The job's result file (the per-step metrics CSV, a {@code fine-tune-results} file), succeeded jobs. */
    @Column(name = "result_file_id")
    public String resultFileId;
    /** The PEFT adapter archive in artifact-store (succeeded jobs). */
    @Column(name = "adapter_id")
    public String adapterId;
    @Column(name = "adapter_digest")
    public String adapterDigest;
    @Column(name = "error_code")
    public String errorCode;
    @Column(name = "error_message")
    public String errorMessage;
    @Column(name = "estimated_finish")
    public OffsetDateTime estimatedFinish;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    /** When the current attempt was handed to Kafka; null while waiting for dispatch. */
    @Column(name = "dispatched_at")
    public OffsetDateTime dispatchedAt;
    /** The current attempt's last progress (its lease). */
    @Column(name = "last_heartbeat_at")
    public OffsetDateTime lastHeartbeatAt;
    /** Extension: what a {@code queued} or {@code running} job is waiting for. */
    @Column(name = "status_detail")
    public String statusDetail;
    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;
    /** When the tenant deleted the fine-tuned model: no longer listed nor served. */
    @Column(name = "model_deleted_at")
    public OffsetDateTime modelDeletedAt;
    /** The W3C traceparent of the request that created the job: its dispatches continue that trace. */
    public String traceparent;

    /** A QLoRA job whose quantized base does not exist yet. */
    public boolean waitsForQuantization() {
        return quantizationScheme != null && quantizedModelDigest == null;
    }

    /** Dispatched (or training) jobs hold one of their tenant's running slots. */
    public boolean holdsSlot() {
        return status() == JobStatus.RUNNING
                || (status() == JobStatus.QUEUED && dispatchedAt != null);
    }

    public boolean isTerminal() {
        return status().terminal();
    }

    /** The status as its type. */
    public JobStatus status() {
        return JobStatus.fromWire(status);
    }

    /** The base model's name: {@code model}, or for a job that continues a fine-tuned model, that model's base. */
    public String baseModelName() {
        return baseModelName != null ? baseModelName : model;
    }
}
