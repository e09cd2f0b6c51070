package dev.loraforge.artifacts.messaging;

/** Reactive Messaging channel names of this service (tests reuse them). */
public final class Channels {
    /** Incoming: {@link dev.loraforge.events.Topics#JOB_OUTCOME}. */
    public static final String JOB_OUTCOMES = "job-outcomes";
    /** Incoming: {@link dev.loraforge.events.Topics#CHECKPOINTS}. */
    public static final String JOB_CHECKPOINTS = "job-checkpoints";

    private Channels() {
    }
}
