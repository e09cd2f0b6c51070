package dev.loraforge.events;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka record headers of the platform's events. The value of a record is a whole CloudEvent in
 * structured mode (the JSON envelope of {@link EventCodec}); CloudEvents' Kafka protocol binding
 * says such a record carries {@code content-type: application/cloudevents+json; charset=UTF-8}, so
 * that a consumer outside the platform (a CloudEvents SDK, a connector) reads it as structured.
 */
public final class EventHeaders {

    /** The header's name, lowercase as the binding writes it. */
    public static final String CONTENT_TYPE = "content-type";
    /** A structured-mode CloudEvent in JSON. */
    public static final String STRUCTURED_JSON = "application/cloudevents+json; charset=UTF-8";

    private EventHeaders() {
    }

    /** Fresh headers for one record (Kafka's headers are mutable: never share them between records). */
    public static Headers structured() {
        return new RecordHeaders().add(CONTENT_TYPE, STRUCTURED_JSON.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether a record's headers say it is a structured-mode JSON CloudEvent. */
    public static boolean isStructured(Headers headers) {
        Header h = headers == null ? null : headers.lastHeader(CONTENT_TYPE);
        return h != null && new String(h.value(), StandardCharsets.UTF_8).toLowerCase()
                .startsWith("application/cloudevents+json");
    }
}
