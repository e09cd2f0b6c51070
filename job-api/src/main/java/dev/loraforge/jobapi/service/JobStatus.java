package dev.loraforge.jobapi.service;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A fine-tuning job's status, OpenAI's values plus {@code paused} (a tenant's pause, an extension), and
 * the one table of the transitions between them ({@link JobLifecycle} applies it). Stored and sent
 * as the lowercase wire name.
 */
public enum JobStatus {
    VALIDATING_FILES, QUEUED, RUNNING, PAUSED, SUCCEEDED, FAILED, CANCELLED;

    private static final Set<JobStatus> ENDS = EnumSet.of(SUCCEEDED, FAILED, CANCELLED);

    /**
     * Where each status may go. {@code queued -> queued} and {@code running -> queued} are a new
     * attempt (a lost lease, a resumed pause); {@code queued -> succeeded|failed} is an outcome whose
     * attempt never reported progress (or whose progress is still in flight); an ended job goes nowhere.
     */
    private static final Map<JobStatus, Set<JobStatus>> NEXT = Map.of(
            VALIDATING_FILES, EnumSet.of(QUEUED, FAILED, CANCELLED),
            QUEUED, EnumSet.of(QUEUED, RUNNING, PAUSED, SUCCEEDED, FAILED, CANCELLED),
            RUNNING, EnumSet.of(RUNNING, QUEUED, PAUSED, SUCCEEDED, FAILED, CANCELLED),
            PAUSED, EnumSet.of(PAUSED, QUEUED, SUCCEEDED, FAILED, CANCELLED),
            SUCCEEDED, EnumSet.noneOf(JobStatus.class),
            FAILED, EnumSet.noneOf(JobStatus.class),
            CANCELLED, EnumSet.noneOf(JobStatus.class));

    /** {@code queued}, {@code running}, ... */
    public String wire() {
        return name().toLowerCase();
    }

    public boolean terminal() {
        return ENDS.contains(this);
    }

    /** Whether a job with this status may move to {@code next}. */
    public boolean allows(JobStatus next) {
        return NEXT.get(this).contains(next);
    }

    /** The statuses a job in this one may move to, for messages. */
    public Set<JobStatus> next() {
        return NEXT.get(this).isEmpty() ? Set.of() : EnumSet.copyOf(NEXT.get(this));
    }

    public static JobStatus fromWire(String wire) {
        return Arrays.stream(values()).filter(s -> s.wire().equals(wire)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no job status '" + wire + "'"));
    }
}
