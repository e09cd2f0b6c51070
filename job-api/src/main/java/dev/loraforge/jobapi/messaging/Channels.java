package dev.loraforge.jobapi.messaging;

/** Reactive Messaging channel names of this service (tests reuse them). */
public final class Channels {
    /** Outgoing: the outbox relay; each record names its own topic. */
    public static final String OUTBOX = "outbox";
    /** Incoming: {@link dev.loraforge.events.Topics#JOB_PROGRESS}. */
    public static final String JOB_PROGRESS = "job-progress";
    /** Incoming: {@link dev.loraforge.events.Topics#JOB_OUTCOME}. */
    public static final String JOB_OUTCOMES = "job-outcomes";

    /** Incoming: {@link dev.loraforge.events.Topics#CHECKPOINTS}. */
    public static final String CHECKPOINTS = "checkpoints";

    /** Incoming: {@link dev.loraforge.events.Topics#QUANT_OUTCOME}. */
    public static final String QUANT_OUTCOMES = "quant-outcomes";

    private Channels() {
    }
}
