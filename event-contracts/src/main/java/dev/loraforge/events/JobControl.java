package dev.loraforge.events;

/** A control request for a job (topic {@link Topics#JOB_CONTROL}). */
public record JobControl(String jobId, Action action, String reason) {

    /** What the trainer holding the job must do. */
    public enum Action { CANCEL, PAUSE, RESUME }

    public JobControl {
        Require.text(jobId, "JobControl", "job_id");
        Require.present(action, "JobControl", "action");
    }
}
