package dev.loraforge.engine.settings;

/**
 * A caller's value as an error message may quote it: at most 40 characters (then "..."), control characters as '?',
 * so that a refusal never echoes a huge or terminal-breaking input.
 */
public final class Shown {

    static final int MAX = 40;

    private Shown() {
    }

    public static String text(String s) {
        if (s == null) {
            return "null";
        }
        String cut = s.length() > MAX ? s.substring(0, MAX) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    /** A JSON value as written (strings quoted), shown as {@link #text}. */
    public static String json(Object jsonNode) {
        return text(String.valueOf(jsonNode));
    }
}
