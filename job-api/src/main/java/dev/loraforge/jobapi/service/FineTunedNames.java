package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.repository.JobEntity;

/**
 * A job's fine-tuned model names (event-contracts' {@link dev.loraforge.contracts.FineTunedNames}, shared with the
 * trainer), and the parsing of a checkpoint model's name.
 */
public final class FineTunedNames {

    private FineTunedNames() {
    }

    public static String model(JobEntity job) {
        return dev.loraforge.contracts.FineTunedNames.model(job.baseModelName(), job.tenantId, job.suffix, job.id);
    }

    public static String checkpoint(JobEntity job, int step) {
        return dev.loraforge.contracts.FineTunedNames.checkpoint(job.baseModelName(), job.tenantId, job.suffix, job.id, step);
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
