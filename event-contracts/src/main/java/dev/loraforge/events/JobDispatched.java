package dev.loraforge.events;

/**
 * A job attempt ready to train (topic {@link Topics#JOB_DISPATCH}). A re-dispatch after a lost
 * lease carries a higher {@code attempt} and the checkpoint to resume from.
 *
 * @param model           the base model's name (for a job that continues a fine-tuned model, the name of that
 *                        model's base)
 * @param baseModel       the base model in artifact-store
 * @param quantizedModel  the quantized variant of the base (qlora), else null
 * @param resumeFrom      the checkpoint to resume from, else null
 * @param chatTemplateKwargs extra arguments for the base model's chat template when rendering the
 *                        training conversations (e.g. {@code enable_thinking}), else null
 * @param initAdapter     the adapter of a fine-tuned model this job continues from: training starts from its values
 *                        (same method and shape), else null
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
        java.util.Map<String, Object> chatTemplateKwargs,
        ArtifactRef initAdapter) {

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

    /** The same attempt starting from a fresh adapter. */
    public JobDispatched(String jobId, String tenantId, int attempt, String model, ArtifactRef baseModel,
                         ArtifactRef quantizedModel, ArtifactRef trainingFile, ArtifactRef validationFile,
                         MethodSpec method, Hyperparameters hyperparameters, long seed, String suffix,
                         ArtifactRef resumeFrom, java.util.Map<String, Object> chatTemplateKwargs) {
        this(jobId, tenantId, attempt, model, baseModel, quantizedModel, trainingFile, validationFile, method,
                hyperparameters, seed, suffix, resumeFrom, chatTemplateKwargs, null);
    }

    /** The same attempt without chat template arguments (the plain constructor of older callers). */
    public JobDispatched(String jobId, String tenantId, int attempt, String model, ArtifactRef baseModel,
                         ArtifactRef quantizedModel, ArtifactRef trainingFile, ArtifactRef validationFile,
                         MethodSpec method, Hyperparameters hyperparameters, long seed, String suffix,
                         ArtifactRef resumeFrom) {
        this(jobId, tenantId, attempt, model, baseModel, quantizedModel, trainingFile, validationFile, method,
                hyperparameters, seed, suffix, resumeFrom, null, null);
    }
}
