package dev.loraforge.events;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.time.OffsetDateTime;
import java.util.Objects;

/**
 * A CloudEvents 1.0 envelope in structured JSON mode. Attribute names are the CloudEvents ones
 * ({@code specversion}, {@code id}, {@code source}, {@code type}, {@code subject}, {@code time},
 * {@code datacontenttype}); {@code data} is one of the payload records of this package.
 *
 * @param subject the job id or the quantization pair the event is about (also the Kafka key)
 */
public record EventEnvelope<T>(
        String specversion,
        String id,
        String source,
        String type,
        String subject,
        @JsonFormat(shape = JsonFormat.Shape.STRING, pattern = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
        OffsetDateTime time,
        String datacontenttype,
        T data) {

    public static final String SPEC_VERSION = "1.0";
    public static final String CONTENT_TYPE = "application/json";

    public EventEnvelope {
        require(specversion, "specversion");
        if (!SPEC_VERSION.equals(specversion)) {
            throw new EventFormatException("specversion must be '1.0', got '" + specversion + "'");
        }
        require(id, "id");
        require(source, "source");
        require(type, "type");
        require(time, "time");
        if (data == null) {
            throw new EventFormatException("CloudEvent '" + type + "' has no data");
        }
    }

    private static void require(Object value, String attribute) {
        if (value == null || (value instanceof String s && s.isBlank())) {
            throw new EventFormatException("CloudEvent attribute '" + attribute + "' is required");
        }
    }

    /** The event type of this envelope's payload. */
    public EventType eventType() {
        return EventType.ofType(type);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventEnvelope<?> e && id.equals(e.id) && type.equals(e.type)
                && source.equals(e.source) && Objects.equals(subject, e.subject)
                && time.isEqual(e.time) && Objects.equals(datacontenttype, e.datacontenttype)
                && data.equals(e.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, type, source, subject, data);
    }
}
