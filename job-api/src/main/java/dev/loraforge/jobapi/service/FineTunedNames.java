package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.repository.JobEntity;

/**
 * Fine-tuned model names as OpenAI forms them, {@code ft:{base}:{org}:{suffix}:{id}}, the organisation being the
 * tenant and the id the job's without its {@code ftjob-} prefix (the suffix is empty when the job has none:
 * {@code ft:base:tenant::id}); a checkpoint's model adds {@code :ckpt-step-{step}}.
 */
public final class FineTunedNames {

    private FineTunedNames() {
    }

    public static String model(JobEntity job) {
        return "ft:" + job.model + ":" + job.tenantId + ":" + (job.suffix == null ? "" : job.suffix) + ":"
                + job.id.substring("ftjob-".length());
    }

    public static String checkpoint(JobEntity job, int step) {
        return model(job) + ":ckpt-step-" + step;
    }

    /** A checkpoint model's parts: the job's id and the step, or null when {@code name} is not a checkpoint's name. */
    public record CheckpointRef(String jobId, int step) {
    }

    public static CheckpointRef parseCheckpoint(String name) {
        java.util.regex.Matcher m = CHECKPOINT.matcher(name);
        if (!m.matches()) {
            return null;
        }
        try {
            return new CheckpointRef("ftjob-" + m.group(1), Integer.parseInt(m.group(2)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static final java.util.regex.Pattern CHECKPOINT =
            java.util.regex.Pattern.compile("ft:.*:([A-Za-z0-9]+):ckpt-step-([0-9]{1,9})");
}
