package dev.loraforge.jobapi.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.jobapi.rest.ApiException;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

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
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    /** Variables the renderer itself sets; a request may not replace them. */
    private static final Set<String> RESERVED = Set.of("messages", "add_generation_prompt", "tools", "documents",
            "bos_token", "eos_token", "unk_token", "pad_token", "raise_exception", "strftime_now");

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
            if (!NAME.matcher(name).matches()) {
                throw ApiException.invalid(param + " key '" + printable(name) + "' is not a template variable name"
                        + " (letters, digits and '_', not starting with a digit, at most 64)", param);
            }
            if (RESERVED.contains(name)) {
                throw ApiException.invalid(param + "." + name + " is set by the platform and cannot be given", param);
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

    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
