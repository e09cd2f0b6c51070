package dev.loraforge.jobapi.rest;

import dev.loraforge.engine.settings.Shown;

/**
 * The {@code limit} of a list: an integer from 1 to a route's maximum, its default when absent. Read as text, so that
 * {@code limit=abc} is a 400 naming the parameter (a typed JAX-RS query parameter that fails to convert is a 404).
 */
public final class PageLimit {

    private PageLimit() {
    }

    public static int parse(String raw, int defaultLimit, int max) {
        if (raw == null || raw.isEmpty()) {
            return defaultLimit;
        }
        int limit;
        try {
            limit = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw ApiException.invalid("limit must be an integer between 1 and " + max + ", got '"
                    + Shown.text(raw) + "'", "limit");
        }
        if (limit < 1 || limit > max) {
            throw ApiException.invalid("limit must be between 1 and " + max + ", got " + limit, "limit");
        }
        return limit;
    }
}
