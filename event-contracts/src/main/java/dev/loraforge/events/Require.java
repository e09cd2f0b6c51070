package dev.loraforge.events;

/** Field checks for payload records: the message names the event and the field. */
final class Require {
    private Require() {
    }

    static String text(String value, String event, String field) {
        if (value == null || value.isBlank()) {
            throw new EventFormatException(event + "." + field + " is required");
        }
        return value;
    }

    static <T> T present(T value, String event, String field) {
        if (value == null) {
            throw new EventFormatException(event + "." + field + " is required");
        }
        return value;
    }

    static int positive(int value, String event, String field) {
        if (value < 1) {
            throw new EventFormatException(event + "." + field + " must be >= 1, got " + value);
        }
        return value;
    }
}
