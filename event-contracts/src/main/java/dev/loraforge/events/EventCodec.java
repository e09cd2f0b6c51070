package dev.loraforge.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.EnumFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Reads and writes events as CloudEvents 1.0 in structured JSON mode: the Kafka record value is the
 * whole envelope. Payload fields are snake_case, enums lowercase, absent values omitted.
 * Unknown fields are ignored, so a consumer keeps working when a producer adds a field.
 */
public final class EventCodec {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(EnumFeature.WRITE_ENUMS_TO_LOWERCASE)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    private EventCodec() {
    }

    /** Wraps a payload in a new envelope with a fresh id and the current time. */
    public static <T> EventEnvelope<T> envelope(String source, String subject, T data) {
        EventType type = EventType.of(data.getClass());
        return new EventEnvelope<>(EventEnvelope.SPEC_VERSION, UUID.randomUUID().toString(), source,
                type.type(), subject, OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS),
                EventEnvelope.CONTENT_TYPE, data);
    }

    /** The envelope as JSON text. */
    public static String encode(EventEnvelope<?> event) {
        try {
            return MAPPER.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new EventFormatException("cannot write event " + event.type() + ": " + e.getMessage(), e);
        }
    }

    /** Reads any event; the payload class follows from the {@code type} attribute. */
    public static EventEnvelope<?> decode(String json) {
        JsonNode tree = readTree(json);
        JsonNode type = tree.get("type");
        if (type == null || !type.isTextual()) {
            throw new EventFormatException("not a CloudEvent: attribute 'type' is missing");
        }
        return convert(tree, EventType.ofType(type.asText()).payload());
    }

    /** Reads an event whose payload must be of the given record class. */
    public static <T> EventEnvelope<T> decode(String json, Class<T> payload) {
        JsonNode tree = readTree(json);
        String expected = EventType.of(payload).type();
        JsonNode type = tree.get("type");
        if (type == null || !expected.equals(type.asText())) {
            throw new EventFormatException("expected a CloudEvent of type '" + expected + "', got '"
                    + (type == null ? null : type.asText()) + "'");
        }
        return convert(tree, payload);
    }

    /** The shared mapper configuration, for tests and tools that compare JSON trees. */
    public static JsonNode tree(String json) {
        return readTree(json);
    }

    private static JsonNode readTree(String json) {
        if (json == null || json.isBlank()) {
            throw new EventFormatException("empty event");
        }
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new EventFormatException("event is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static <T> EventEnvelope<T> convert(JsonNode tree, Class<T> payload) {
        JavaType type = MAPPER.getTypeFactory().constructParametricType(EventEnvelope.class, payload);
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof EventFormatException)) {
                cause = cause.getCause();
            }
            String reason = cause instanceof EventFormatException ? cause.getMessage()
                    : (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
            throw new EventFormatException("invalid " + payload.getSimpleName() + " event: " + reason, e);
        }
    }
}
