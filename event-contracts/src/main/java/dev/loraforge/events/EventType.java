package dev.loraforge.events;

import java.util.Arrays;

/**
 * The event types of the platform: CloudEvents {@code type}, the payload record and its topic.
 * The version suffix of the type is the schema version of the payload; a breaking change adds
 * a new type ({@code .v2}) and consumers handle both for a release.
 */
public enum EventType {
    JOB_DISPATCHED("dev.loraforge.job.dispatched.v1", JobDispatched.class, Topics.JOB_DISPATCH),
    JOB_CONTROL("dev.loraforge.job.control.v1", JobControl.class, Topics.JOB_CONTROL),
    JOB_PROGRESS("dev.loraforge.job.progress.v1", JobProgress.class, Topics.JOB_PROGRESS),
    CHECKPOINT_SAVED("dev.loraforge.job.checkpoint_saved.v1", CheckpointSaved.class, Topics.CHECKPOINTS),
    JOB_OUTCOME("dev.loraforge.job.outcome.v1", JobOutcome.class, Topics.JOB_OUTCOME),
    QUANTIZATION_REQUESTED("dev.loraforge.quant.requested.v1", QuantizationRequested.class, Topics.QUANT_REQUEST),
    QUANTIZATION_OUTCOME("dev.loraforge.quant.outcome.v1", QuantizationOutcome.class, Topics.QUANT_OUTCOME);

    private final String type;
    private final Class<?> payload;
    private final String topic;

    EventType(String type, Class<?> payload, String topic) {
        this.type = type;
        this.payload = payload;
        this.topic = topic;
    }

    /** The CloudEvents {@code type} attribute. */
    public String type() {
        return type;
    }

    /** The record class of the {@code data} attribute. */
    public Class<?> payload() {
        return payload;
    }

    /** The Kafka topic this event travels on. */
    public String topic() {
        return topic;
    }

    /** The event type of a payload record class. */
    public static EventType of(Class<?> payloadClass) {
        return Arrays.stream(values()).filter(t -> t.payload == payloadClass).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        payloadClass.getName() + " is not an event payload of event-contracts"));
    }

    /** The event type of a CloudEvents {@code type} attribute. */
    public static EventType ofType(String type) {
        return Arrays.stream(values()).filter(t -> t.type.equals(type)).findFirst()
                .orElseThrow(() -> new EventFormatException("unknown event type '" + type
                        + "'; known types: " + Arrays.stream(values()).map(EventType::type).toList()));
    }
}
