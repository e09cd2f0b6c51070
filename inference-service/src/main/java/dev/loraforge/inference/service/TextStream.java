package dev.loraforge.inference.service;

import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns generated token ids into text pieces as they arrive, for streaming: a piece is only handed
 * out once it can no longer change, i.e. not while it ends in an incomplete UTF-8 sequence (the
 * byte-level decoder shows U+FFFD) and not while its end could still become one of the stop
 * strings. A stop string ends the text before it (OpenAI leaves the stop sequence out).
 */
final class TextStream {

    private final ModelTokenizer tokenizer;
    private final List<String> stops;
    private final List<Integer> ids = new ArrayList<>();
    private String text = "";
    private int emitted;
    private boolean stopped;

    TextStream(ModelTokenizer tokenizer, List<String> stops) {
        this.tokenizer = tokenizer;
        this.stops = stops;
    }

    /** Adds a token; returns the text that became final (often empty). */
    String push(int id) {
        ids.add(id);
        String full = tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray(), true);
        int cut = -1;
        for (String stop : stops) {
            int at = full.indexOf(stop, Math.max(0, emitted - stop.length()));
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            stopped = true;
            text = full.substring(0, Math.max(cut, Math.min(emitted, full.length())));
            return take(text.length());
        }
        text = full;
        int safe = full.length();
        while (safe > emitted && full.charAt(safe - 1) == '\uFFFD') {
            safe--;
        }
        safe -= heldForStop(full.substring(0, safe));
        return take(safe);
    }

    /** True once a stop string appeared: generation should end. */
    boolean stopped() {
        return stopped;
    }

    /** Everything not handed out yet (at the end of generation). */
    String finish() {
        return take(text.length());
    }

    /** The whole text so far (stop string excluded). */
    String text() {
        return text;
    }

    int tokens() {
        return ids.size();
    }

    private String take(int upTo) {
        if (upTo <= emitted) {
            return "";
        }
        String piece = text.substring(emitted, upTo);
        emitted = upTo;
        return piece;
    }

    /** Length of the longest end of {@code s} that is a proper beginning of a stop string. */
    private int heldForStop(String s) {
        int held = 0;
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, s.length() - emitted); n > held; n--) {
                if (s.endsWith(stop.substring(0, n))) {
                    held = n;
                    break;
                }
            }
        }
        return held;
    }
}
