package dev.loraforge.jobapi.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.engine.settings.Shown;
import dev.loraforge.jobapi.rest.ApiException;
import java.util.Iterator;
import java.util.Map;

/**
 * OpenAI's {@code metadata} on a job: at most {@value #MAX_PAIRS} key-value pairs, keys of at most
 * {@value #MAX_KEY} characters, string values of at most {@value #MAX_VALUE}; stored as given and returned on
 * the job. A bad value is a 400 naming {@code metadata}.
 */
public final class JobMetadata {

    static final int MAX_PAIRS = 16;
    static final int MAX_KEY = 64;
    static final int MAX_VALUE = 512;

    private JobMetadata() {
    }

    /** The object to store (null for absent, JSON null or {}), or a 400. */
    public static JsonNode check(JsonNode metadata) {
        if (metadata == null || metadata.isNull() || metadata.isMissingNode()) {
            return null;
        }
        if (!metadata.isObject()) {
            throw ApiException.invalid("metadata must be an object of string values, e.g. {\"team\": \"support\"}",
                    "metadata");
        }
        if (metadata.size() > MAX_PAIRS) {
            throw ApiException.invalid("metadata has " + metadata.size() + " pairs; at most " + MAX_PAIRS, "metadata");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            checkKey(e.getKey(), "metadata");
            JsonNode v = e.getValue();
            if (!v.isTextual()) {
                throw ApiException.invalid("metadata['" + Shown.text(e.getKey()) + "'] must be a string, got "
                        + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT), "metadata");
            }
            checkValue(v.asText(), "metadata['" + Shown.text(e.getKey()) + "']", "metadata");
        }
        return metadata.isEmpty() ? null : metadata;
    }

    /** A key as a list filter names it ({@code metadata[k]=v}). */
    public static void checkKey(String key, String param) {
        if (key.isEmpty() || key.length() > MAX_KEY) {
            throw ApiException.invalid("metadata keys have 1 to " + MAX_KEY + " characters; got " + key.length(), param);
        }
        if (key.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.invalid("metadata key '" + Shown.text(key) + "' contains a control character", param);
        }
    }

    /** A value as a list filter names it. */
    public static void checkValue(String value, String what, String param) {
        if (value.length() > MAX_VALUE) {
            throw ApiException.invalid(what + " has " + value.length() + " characters; at most " + MAX_VALUE, param);
        }
        if (value.indexOf('\u0000') >= 0) {
            throw ApiException.invalid(what + " contains a NUL character", param);
        }
    }
}
