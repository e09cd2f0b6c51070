package dev.loraforge.quant.messaging;

/** Reactive Messaging channel names of this service (tests reuse them). */
public final class Channels {
    /** Incoming: {@link dev.loraforge.events.Topics#QUANT_REQUEST}. */
    public static final String QUANT_REQUESTS = "quant-requests";
    /** Outgoing: {@link dev.loraforge.events.Topics#QUANT_OUTCOME}. */
    public static final String QUANT_OUTCOMES = "quant-outcomes";

    private Channels() {
    }
}
