package dev.loraforge.engine.lora;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * PEFT's per-module overrides {@code rank_pattern} and {@code alpha_pattern}: a key matches a
 * module name when the name is the key or ends with "." + key (keys are regular expressions,
 * matched like PEFT's {@code get_pattern_key}).
 */
record LoraPatterns(Map<String, Integer> rank, Map<String, Double> alpha) {

    static final LoraPatterns NONE = new LoraPatterns(Map.of(), Map.of());

    LoraPatterns {
        rank = Map.copyOf(rank);
        alpha = Map.copyOf(alpha);
    }

    int rankFor(String modulePath, int fallback) {
        for (Map.Entry<String, Integer> e : rank.entrySet()) {
            if (matches(e.getKey(), modulePath)) {
                return e.getValue();
            }
        }
        return fallback;
    }

    double alphaFor(String modulePath, double fallback) {
        for (Map.Entry<String, Double> e : alpha.entrySet()) {
            if (matches(e.getKey(), modulePath)) {
                return e.getValue();
            }
        }
        return fallback;
    }

    private static boolean matches(String key, String modulePath) {
        return Pattern.compile("(.*\\.)?(" + key + ")").matcher(modulePath).matches();
    }
}
