package dev.loraforge.jobapi.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.engine.data.TemplateVariables;
import dev.loraforge.engine.settings.Shown;
import dev.loraforge.jobapi.rest.ApiException;
import java.util.Iterator;

/**
 * The {@code chat_template_kwargs} extension (vLLM's name for it): extra variables for the base model's
 * chat template, as transformers' {@code apply_chat_template(**kwargs)} takes them, e.g.
 * {@code {"enable_thinking": false}} for Qwen3. Accepted on job create (the training conversations are
 * rendered with them) and on chat completions (the prompt is). Checked here so that a bad value is a
 * 400 naming the field before anything is stored or sent.
 */
public final class ChatTemplateKwargs {

    static final int MAX_KEYS = 16;
    static final int MAX_JSON_CHARS = 4096;

    private ChatTemplateKwargs() {
    }

    /** The object to use (null for absent, JSON null or {}), or a 400 naming {@code param}. */
    public static JsonNode check(JsonNode kwargs, String param) {
        if (kwargs == null || kwargs.isNull() || kwargs.isMissingNode()) {
            return null;
        }
        if (!kwargs.isObject()) {
            throw ApiException.invalid(param + " must be a JSON object of chat template variables, e.g. "
                    + "{\"enable_thinking\": false}", param);
        }
        if (kwargs.size() > MAX_KEYS) {
            throw ApiException.invalid(param + " has " + kwargs.size() + " entries; at most " + MAX_KEYS, param);
        }
        for (Iterator<String> it = kwargs.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            String problem = TemplateVariables.problem(name);
            if (problem != null) {
                throw ApiException.invalid(param + " key '" + Shown.text(name) + "' " + problem, param);
            }
        }
        String text = kwargs.toString();
        if (text.length() > MAX_JSON_CHARS) {
            throw ApiException.invalid(param + " is " + text.length() + " characters of JSON; at most " + MAX_JSON_CHARS,
                    param);
        }
        if (text.contains("\\u0000")) {
            throw ApiException.invalid(param + " must not contain NUL characters", param);
        }
        return kwargs.isEmpty() ? null : kwargs;
    }
}
