package dev.loraforge.jobapi.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.jobapi.rest.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an OpenAI completions body field by field, with a 400 naming the parameter for anything
 * malformed or unsupported: {@code model}; {@code messages} (roles {@code system}, {@code developer}
 * (read as system), {@code user}, {@code assistant}; content a string or text parts) or
 * {@code prompt} (one string); {@code max_tokens} / {@code max_completion_tokens} (1 to
 * {@value #MAX_TOKENS}, default {@value #DEFAULT_MAX_TOKENS}); {@code temperature} 0 to 2;
 * {@code top_p} 0 to 1; {@code stop} (a string or up to 4); {@code seed} (integer; choice i of n samples with
 * seed + i); {@code n} (1 to {@value #MAX_N}); {@code presence_penalty} and {@code frequency_penalty} -2 to 2;
 * log-probabilities: chat's {@code logprobs} (boolean) with {@code top_logprobs} (0 to 20), the legacy completions'
 * {@code logprobs} (0 to {@value #MAX_LEGACY_LOGPROBS}); {@code stream} and {@code stream_options.include_usage}.
 * Other fields are ignored, as OpenAI's optional extras are.
 */
public final class CompletionValidator {

    static final int MAX_TOKENS = 4096;
    static final int DEFAULT_MAX_TOKENS = 256;
    static final int MAX_STOPS = 4;
    static final int MAX_N = dev.loraforge.contracts.inference.GenerateRequest.MAX_N;
    static final int MAX_TOP_LOGPROBS = dev.loraforge.contracts.inference.GenerateRequest.MAX_TOP_LOGPROBS;
    static final int MAX_LEGACY_LOGPROBS = 5;
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    private CompletionValidator() {
    }

    public static CompletionRequest chat(JsonNode body) {
        object(body);
        JsonNode list = body.path("messages");
        if (!list.isArray() || list.isEmpty()) {
            throw ApiException.invalid("'messages' must be a non-empty array of {role, content} objects.", "messages");
        }
        List<Map<String, String>> messages = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiException.invalid("'" + at + "' must be an object with role and content.", at);
            }
            String role = m.path("role").asText(null);
            if (!m.path("role").isTextual() || !ROLES.contains(role)) {
                throw ApiException.invalid("Invalid value for '" + at + ".role': " + m.path("role")
                        + ". Supported values are: 'system', 'developer', 'user' and 'assistant'.", at + ".role");
            }
            Map<String, String> message = new LinkedHashMap<>();
            message.put("role", role.equals("developer") ? "system" : role);
            message.put("content", content(m.path("content"), at));
            messages.add(message);
        }
        JsonNode max = body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
        String maxName = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        JsonNode logprobs = body.get("logprobs");
        boolean wanted = false;
        if (logprobs != null && !logprobs.isNull()) {
            if (!logprobs.isBoolean()) {
                throw ApiException.invalid("Invalid 'logprobs': " + logprobs + ". It must be a boolean.", "logprobs");
            }
            wanted = logprobs.asBoolean();
        }
        Integer top = integer(body, "top_logprobs", 0, MAX_TOP_LOGPROBS);
        if (top != null && !wanted) {
            throw ApiException.invalid("'top_logprobs' needs 'logprobs': true.", "top_logprobs");
        }
        return common(body, messages, null, max, maxName, wanted ? (top == null ? 0 : top) : null);
    }

    public static CompletionRequest completion(JsonNode body) {
        object(body);
        JsonNode p = body.path("prompt");
        String prompt;
        if (p.isTextual()) {
            prompt = p.asText();
        } else if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
            prompt = p.get(0).asText();
        } else if (p.isArray() && p.size() > 1) {
            throw ApiException.invalid("'prompt' holds " + p.size() + " prompts; this server completes one prompt per request.",
                    "prompt");
        } else {
            throw ApiException.invalid("'prompt' is required and must be a string (token arrays are not supported).", "prompt");
        }
        return common(body, null, prompt, body.get("max_tokens"), "max_tokens",
                integer(body, "logprobs", 0, MAX_LEGACY_LOGPROBS));
    }

    private static CompletionRequest common(JsonNode body, List<Map<String, String>> messages, String prompt, JsonNode max,
                                            String maxName, Integer logprobs) {
        String model = body.path("model").asText("");
        if (!body.path("model").isTextual() || model.isBlank()) {
            throw ApiException.invalid("'model' is required: a base model name or a fine-tuned model id (ft:...).", "model");
        }
        int maxTokens = DEFAULT_MAX_TOKENS;
        if (max != null && !max.isNull()) {
            if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 1 || max.asInt() > MAX_TOKENS) {
                throw ApiException.invalid("Invalid '" + maxName + "': " + max + ". It must be an integer from 1 to " + MAX_TOKENS
                        + ".", maxName);
            }
            maxTokens = max.asInt();
        }
        Double temperature = number(body, "temperature", 0, 2);
        Double topP = number(body, "top_p", 0, 1);
        Long seed = null;
        JsonNode s = body.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) {
                throw ApiException.invalid("Invalid 'seed': " + s + ". It must be an integer.", "seed");
            }
            seed = s.asLong();
        }
        Integer n = integer(body, "n", 1, MAX_N);
        Double presence = number(body, "presence_penalty", -2, 2);
        Double frequency = number(body, "frequency_penalty", -2, 2);
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw ApiException.invalid("Invalid 'stream': " + stream + ". It must be a boolean.", "stream");
        }
        boolean streaming = stream != null && stream.asBoolean(false);
        JsonNode options = body.get("stream_options");
        boolean includeUsage = false;
        if (options != null && !options.isNull()) {
            if (!streaming) {
                throw ApiException.invalid("'stream_options' is only allowed when 'stream' is true.", "stream_options");
            }
            JsonNode usage = options.path("include_usage");
            if (!options.isObject() || (!usage.isMissingNode() && !usage.isBoolean())) {
                throw ApiException.invalid("Invalid 'stream_options': " + options + ". Expected {\"include_usage\": true|false}.",
                        "stream_options");
            }
            includeUsage = usage.asBoolean(false);
        }
        JsonNode kwargs = ChatTemplateKwargs.check(body.get("chat_template_kwargs"), "chat_template_kwargs");
        if (kwargs != null && messages == null) {
            throw ApiException.invalid("chat_template_kwargs applies to chat messages; /v1/completions takes a plain"
                    + " prompt", "chat_template_kwargs");
        }
        return new CompletionRequest(model, messages, prompt, maxTokens, temperature, topP, seed, stops(body.get("stop")),
                streaming, includeUsage, kwargs, n == null ? 1 : n, logprobs, presence, frequency);
    }

    private static Integer integer(JsonNode body, String name, int min, int max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw ApiException.invalid("Invalid '" + name + "': " + v + ". It must be an integer from " + min + " to " + max
                    + ".", name);
        }
        return v.asInt();
    }

    private static void object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalid("The request body must be a JSON object.", null);
        }
    }

    private static String content(JsonNode c, String at) {
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < c.size(); i++) {
                JsonNode part = c.get(i);
                if (!part.path("type").asText().equals("text") || !part.path("text").isTextual()) {
                    throw ApiException.invalid("Invalid '" + at + ".content[" + i + "]': only text parts "
                            + "({\"type\":\"text\",\"text\":...}) are supported.", at + ".content");
                }
                text.append(part.path("text").asText());
            }
            return text.toString();
        }
        throw ApiException.invalid("'" + at + ".content' is required and must be a string or an array of text parts.",
                at + ".content");
    }

    private static Double number(JsonNode body, String name, double min, double max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw ApiException.invalid("Invalid '" + name + "': " + v + ". It must be a number from " + fmt(min) + " to "
                    + fmt(max) + ".", name);
        }
        return v.asDouble();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        List<String> stops = new ArrayList<>();
        if (stop.isTextual()) {
            stops.add(stop.asText());
        } else if (stop.isArray() && stop.size() <= MAX_STOPS) {
            stop.forEach(s -> stops.add(s.isTextual() ? s.asText() : null));
        } else {
            throw ApiException.invalid("Invalid 'stop': " + stop + ". It must be a string or an array of up to " + MAX_STOPS
                    + " strings.", "stop");
        }
        if (stops.stream().anyMatch(s -> s == null || s.isEmpty())) {
            throw ApiException.invalid("Invalid 'stop': " + stop + ". Stop sequences must be non-empty strings.", "stop");
        }
        return stops;
    }
}
