package dev.loraforge.contracts;

/**
 * Fine-tuned model names as OpenAI forms them, {@code ft:{base}:{org}:{suffix}:{id}}: the organisation is the tenant,
 * the id the job's without its {@code ftjob-} prefix, the suffix empty when the job has none
 * ({@code ft:base:tenant::id}); a training checkpoint's model adds {@code :ckpt-step-{step}}. job-api names the model
 * with it and the trainer names the adapter artifact the same, so lineage and API agree.
 */
public final class FineTunedNames {

    private FineTunedNames() {
    }

    public static String model(String baseModel, String tenantId, String suffix, String jobId) {
        String id = jobId.startsWith("ftjob-") ? jobId.substring("ftjob-".length()) : jobId;
        return "ft:" + baseModel + ":" + tenantId + ":" + (suffix == null ? "" : suffix) + ":" + id;
    }

    public static String checkpoint(String baseModel, String tenantId, String suffix, String jobId, int step) {
        return model(baseModel, tenantId, suffix, jobId) + ":ckpt-step-" + step;
    }
}
