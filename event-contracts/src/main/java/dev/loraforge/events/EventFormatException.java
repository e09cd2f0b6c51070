package dev.loraforge.events;

/** An event that cannot be read: not JSON, not a CloudEvent, unknown type or wrong payload. */
public class EventFormatException extends RuntimeException {
    public EventFormatException(String message) {
        super(message);
    }

    public EventFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
