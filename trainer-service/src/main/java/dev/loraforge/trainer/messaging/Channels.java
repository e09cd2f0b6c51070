package dev.loraforge.trainer.messaging;

/** Reactive Messaging channel names of this service (tests reuse them). */
public final class Channels {
    /** Incoming: {@link dev.loraforge.events.Topics#JOB_DISPATCH}. */
    public static final String JOB_DISPATCH = "job-dispatch";
    /** Incoming: {@link dev.loraforge.events.Topics#JOB_CONTROL}. */
    public static final String JOB_CONTROL = "job-control";
    /** Outgoing: {@link dev.loraforge.events.Topics#JOB_PROGRESS}. */
    public static final String JOB_PROGRESS = "job-progress";
    /** Outgoing: {@link dev.loraforge.events.Topics#CHECKPOINTS}. */
    public static final String JOB_CHECKPOINTS = "job-checkpoints";
    /** Outgoing: {@link dev.loraforge.events.Topics#JOB_OUTCOME}. */
    public static final String JOB_OUTCOMES = "job-outcomes";

    private Channels() {
    }
}
