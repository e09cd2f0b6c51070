package dev.loraforge.events;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Golden JSON samples of every event type, shipped beside the contracts. Consumers' tests read
 * them so that a change of the contract breaks the consumer's build, not production.
 */
public final class EventSamples {
    private EventSamples() {
    }

    /** The sample file name of an event type, e.g. {@code job_dispatched.json}. */
    public static String fileName(EventType type) {
        return type.name().toLowerCase(Locale.ROOT) + ".json";
    }

    /** The golden JSON text of an event type. */
    public static String json(EventType type) {
        String path = "samples/" + fileName(type);
        try (InputStream in = EventSamples.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("no golden sample " + path + " beside " + EventSamples.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The golden sample of a payload class, decoded. */
    public static <T> EventEnvelope<T> sample(Class<T> payload) {
        return EventCodec.decode(json(EventType.of(payload)), payload);
    }
}
