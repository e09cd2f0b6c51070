package dev.loraforge.events;

/**
 * A job attempt ready to train (topic {@link Topics#JOB_DISPATCH}). A re-dispatch after a lost
 * lease carries a higher {@code attempt} and the checkpoint to resume from.
 *
 * @param model           the base model's name as the tenant asked for it
 * @param baseModel       the base model in artifact-store
 * @param quantizedModel  the quantized variant of the base (qlora), else null
 * @param resumeFrom      the checkpoint to resume from, else null
 * @param chatTemplateKwargs extra arguments for the base model's chat template when rendering the
 *                        training conversations (e.g. {@code enable_thinking}), else null
 */
public record JobDispatched(
        String jobId,
        String tenantId,
        int attempt,
        String model,
        ArtifactRef baseModel,
        ArtifactRef quantizedModel,
        ArtifactRef trainingFile,
        ArtifactRef validationFile,
        MethodSpec method,
        Hyperparameters hyperparameters,
        long seed,
        String suffix,
        ArtifactRef resumeFrom,
        java.util.Map<String, Object> chatTemplateKwargs) {

    public JobDispatched {
        Require.text(jobId, "JobDispatched", "job_id");
        Require.text(tenantId, "JobDispatched", "tenant_id");
        Require.positive(attempt, "JobDispatched", "attempt");
        Require.text(model, "JobDispatched", "model");
        Require.present(baseModel, "JobDispatched", "base_model");
        Require.present(trainingFile, "JobDispatched", "training_file");
        Require.present(method, "JobDispatched", "method");
        Require.present(hyperparameters, "JobDispatched", "hyperparameters");
        chatTemplateKwargs = chatTemplateKwargs == null || chatTemplateKwargs.isEmpty() ? null
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(chatTemplateKwargs));
    }

    /** The same attempt without chat template arguments (the plain constructor of older callers). */
    public JobDispatched(String jobId, String tenantId, int attempt, String model, ArtifactRef baseModel,
                         ArtifactRef quantizedModel, ArtifactRef trainingFile, ArtifactRef validationFile,
                         MethodSpec method, Hyperparameters hyperparameters, long seed, String suffix,
                         ArtifactRef resumeFrom) {
        this(jobId, tenantId, attempt, model, baseModel, quantizedModel, trainingFile, validationFile, method,
                hyperparameters, seed, suffix, resumeFrom, null);
    }
}
