package dev.loraforge.engine.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and checks a JSONL dataset line by line. Every non-blank line must be one JSON object in one
 * of the {@link DatasetFormat}s, and all lines must share the format of the first one. Blank lines
 * are skipped. The job API calls {@link #validate(InputStream, int)} at upload time; the trainer
 * calls {@link #read(Path)}.
 */
public final class DatasetValidator {

    /** Errors reported at most by {@link #validate(InputStream)}. */
    public static final int DEFAULT_MAX_ERRORS = 50;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ROLES = Set.of(ChatMessage.SYSTEM, ChatMessage.USER, ChatMessage.ASSISTANT,
            ChatMessage.TOOL);

    /** Parsed examples (valid lines only), the 1-based line of each, and the errors found. */
    public record Result(List<Example> examples, DatasetFormat format, List<ValidationError> errors, List<Long> lines) {
        public boolean valid() {
            return errors.isEmpty();
        }

        /** The examples of a preference (DPO) file; IllegalArgumentException for a supervised one. */
        public List<Example.Preference> preferences() {
            if (format == null || !format.isPreference()) {
                throw new IllegalArgumentException("the dataset is in " + (format == null ? "no" : describe(format))
                        + " format, not a preference (DPO) one");
            }
            return examples.stream().map(Example.Preference.class::cast).toList();
        }
    }

    private DatasetValidator() {
    }

    /** The errors of a dataset, at most {@value #DEFAULT_MAX_ERRORS}; empty when it is valid. */
    public static List<ValidationError> validate(InputStream in) {
        return validate(in, DEFAULT_MAX_ERRORS);
    }

    /** The errors of a dataset, at most {@code maxErrors} (reading stops there); empty when it is valid. */
    public static List<ValidationError> validate(InputStream in, int maxErrors) {
        return parse(in, maxErrors, false).errors();
    }

    /** Reads a dataset file; throws a {@link DatasetException} listing the malformed lines. */
    public static Result read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("dataset file not found: " + file);
        }
        try (InputStream in = Files.newInputStream(file)) {
            Result result = parse(in, DEFAULT_MAX_ERRORS);
            if (!result.valid()) {
                throw new DatasetException(file.toString(), result.errors());
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dataset " + file, e);
        }
    }

    /** Parses every line, collecting examples and up to {@code maxErrors} errors. */
    public static Result parse(InputStream in, int maxErrors) {
        return parse(in, maxErrors, true);
    }

    /** As {@link #parse(InputStream, int)}; with {@code keep} false only the errors are kept (large uploads). */
    private static Result parse(InputStream in, int maxErrors, boolean keep) {
        if (maxErrors < 1) {
            throw new IllegalArgumentException("maxErrors must be at least 1, got " + maxErrors);
        }
        List<Example> examples = new ArrayList<>();
        List<Long> lines = new ArrayList<>();
        long count = 0;
        List<ValidationError> errors = new ArrayList<>();
        DatasetFormat format = null;
        long formatLine = 0;
        long lineNo = 0;
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try (BufferedInputStream bytes = new BufferedInputStream(in)) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            while (errors.size() < maxErrors) {
                // Lines are split on '\n' as bytes so a bad UTF-8 sequence is reported on its own line.
                buf.reset();
                int c;
                while ((c = bytes.read()) != -1 && c != '\n') {
                    buf.write(c);
                }
                if (c == -1 && buf.size() == 0) {
                    break;
                }
                lineNo++;
                String line;
                try {
                    line = decoder.decode(ByteBuffer.wrap(buf.toByteArray())).toString();
                } catch (CharacterCodingException e) {
                    errors.add(new ValidationError(lineNo, "not valid UTF-8 text; save the file as UTF-8"));
                    continue;
                }
                if (lineNo == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1); // byte order mark
                }
                if (line.isBlank()) {
                    continue;
                }
                try {
                    Example example = parseLine(line);
                    if (format == null) {
                        format = example.format();
                        formatLine = lineNo;
                    } else if (example.format() != format) {
                        throw new LineException("this line is in " + describe(example.format())
                                + " format but line " + formatLine + " set the file's format to " + describe(format)
                                + "; use one format per file");
                    }
                    count++;
                    if (keep) {
                        examples.add(example);
                        lines.add(lineNo);
                    }
                } catch (LineException e) {
                    errors.add(new ValidationError(lineNo, e.getMessage()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dataset", e);
        }
        if (errors.isEmpty() && count == 0) {
            errors.add(new ValidationError(0, "the file has no examples: expected one JSON object per line"));
        }
        return new Result(List.copyOf(examples), format, List.copyOf(errors), List.copyOf(lines));
    }

    private static String describe(DatasetFormat f) {
        return switch (f) {
            case CHAT -> "chat ({\"messages\": [...]})";
            case PROMPT_COMPLETION -> "prompt/completion ({\"prompt\", \"completion\"})";
            case TEXT -> "text ({\"text\"})";
            case PREFERENCE_CHAT -> "preference ({\"input\", \"preferred_output\", \"non_preferred_output\"})";
            case PREFERENCE_TEXT -> "preference ({\"prompt\", \"chosen\", \"rejected\"})";
        };
    }

    /** Parses one JSONL line; {@link LineException} carries the reason it is refused. */
    static Example parseLine(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new LineException("invalid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new LineException("expected a JSON object, found " + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        if (node.has("preferred_output") || node.has("non_preferred_output") || node.path("input").isObject()) {
            return parseOpenAiPreference(node);
        }
        if (node.has("chosen") || node.has("rejected")) {
            return parsePlainPreference(node);
        }
        if (node.has("messages")) {
            Example.Chat chat = parseChat(node.get("messages"));
            return node.hasNonNull("tools") ? new Example.Chat(chat.messages(), tools(node.get("tools"))) : chat;
        }
        if (node.has("prompt") || node.has("completion")) {
            String prompt = requiredString(node, "prompt", true);
            String completion = requiredString(node, "completion", false);
            return new Example.PromptCompletion(prompt, completion);
        }
        if (node.has("text")) {
            return new Example.Text(requiredString(node, "text", false));
        }
        Set<String> keys = new TreeSet<>();
        node.fieldNames().forEachRemaining(keys::add);
        throw new LineException("expected a \"messages\" array, \"prompt\" and \"completion\" strings, or a \"text\" string"
                + " (or a preference pair: \"input\", \"preferred_output\" and \"non_preferred_output\", or \"prompt\","
                + " \"chosen\" and \"rejected\"); found keys " + keys);
    }

    /** OpenAI's DPO line: {@code input.messages} (and {@code input.tools}), one assistant message per output. */
    private static Example.Preference parseOpenAiPreference(JsonNode node) {
        JsonNode input = node.get("input");
        if (input == null || input.isNull()) {
            throw new LineException("missing \"input\" (an object with \"messages\")");
        }
        if (!input.isObject()) {
            throw new LineException("\"input\" must be an object with \"messages\", found " + input.getNodeType().toString().toLowerCase());
        }
        Example.Chat prompt = parseChat(input.get("messages"), "input.messages", false);
        List<Object> tools = input.hasNonNull("tools") ? tools(input.get("tools")) : List.of();
        String chosen = preferenceOutput(node, "preferred_output");
        String rejected = preferenceOutput(node, "non_preferred_output");
        return Example.Preference.chat(prompt.messages(), tools, chosen, rejected);
    }

    /** {@code [{"role": "assistant", "content": "..."}]}: exactly one assistant message with text content. */
    private static String preferenceOutput(JsonNode node, String field) {
        JsonNode out = node.get(field);
        if (out == null || out.isNull()) {
            throw new LineException("missing \"" + field + "\" (an array of one {\"role\": \"assistant\", \"content\"} message)");
        }
        if (!out.isArray() || out.size() != 1) {
            throw new LineException("\"" + field + "\" must be an array of exactly one {\"role\": \"assistant\", \"content\"}"
                    + " message, found " + (out.isArray() ? out.size() + " messages" : out.getNodeType().toString().toLowerCase()));
        }
        JsonNode m = out.get(0);
        String where = field + "[0]";
        if (!m.isObject() || !ChatMessage.ASSISTANT.equals(m.path("role").asText(null))) {
            throw new LineException(where + " must be an object with \"role\": \"assistant\"");
        }
        if (m.hasNonNull("tool_calls")) {
            throw new LineException(where + " has \"tool_calls\"; preference outputs must be text");
        }
        String content = content(m.get("content"), where);
        if (content.isEmpty()) {
            throw new LineException(where + ".content is empty");
        }
        return content;
    }

    /** TRL's plain preference line: {@code prompt}, {@code chosen}, {@code rejected} strings. */
    private static Example.Preference parsePlainPreference(JsonNode node) {
        for (String field : List.of("prompt", "chosen", "rejected")) {
            if (node.has(field) && node.get(field).isArray()) {
                throw new LineException("\"" + field + "\" must be a string; for conversations use OpenAI's"
                        + " {\"input\": {\"messages\"}, \"preferred_output\", \"non_preferred_output\"} format");
            }
        }
        String prompt = requiredString(node, "prompt", false);
        return Example.Preference.text(prompt, requiredString(node, "chosen", false), requiredString(node, "rejected", false));
    }

    private static String requiredString(JsonNode node, String field, boolean mayBeEmpty) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new LineException("missing \"" + field + "\" (a string)");
        }
        if (!v.isTextual()) {
            throw new LineException("\"" + field + "\" must be a string, found " + v.getNodeType().toString().toLowerCase());
        }
        if (!mayBeEmpty && v.asText().isEmpty()) {
            throw new LineException("\"" + field + "\" is empty");
        }
        return v.asText();
    }

    /** OpenAI's {@code tools}: function definitions {@code {"type": "function", "function": {"name", ...}}}. */
    private static List<Object> tools(JsonNode tools) {
        if (!tools.isArray()) {
            throw new LineException("\"tools\" must be an array of {\"type\": \"function\", \"function\": {...}} objects");
        }
        List<Object> out = new ArrayList<>();
        for (int t = 0; t < tools.size(); t++) {
            JsonNode tool = tools.get(t);
            if (!tool.isObject() || !"function".equals(tool.path("type").asText())
                    || !tool.path("function").path("name").isTextual() || tool.path("function").path("name").asText().isEmpty()) {
                throw new LineException("tools[" + t + "] must be {\"type\": \"function\", \"function\": {\"name\": \"...\","
                        + " \"description\", \"parameters\"}}");
            }
            out.add(JSON.convertValue(tool, Object.class));
        }
        return out;
    }

    /**
     * An assistant's {@code tool_calls}, as chat templates expect them: each {@code function.arguments} (OpenAI sends
     * a JSON string) parsed into an object, as transformers' tool-use documentation passes it.
     */
    private static List<Object> toolCalls(JsonNode calls, String where) {
        if (!calls.isArray() || calls.isEmpty()) {
            throw new LineException(where + ".tool_calls must be a non-empty array of {\"id\", \"type\": \"function\","
                    + " \"function\": {\"name\", \"arguments\"}} objects");
        }
        List<Object> out = new ArrayList<>();
        for (int c = 0; c < calls.size(); c++) {
            String at = where + ".tool_calls[" + c + "]";
            JsonNode call = calls.get(c);
            JsonNode function = call.path("function");
            if (!call.isObject() || !function.path("name").isTextual() || function.path("name").asText().isEmpty()) {
                throw new LineException(at + " must have \"function\": {\"name\": \"...\", \"arguments\": \"{...}\"}");
            }
            JsonNode args = function.get("arguments");
            Object arguments;
            if (args == null || args.isNull()) {
                arguments = new java.util.LinkedHashMap<String, Object>();
            } else if (args.isTextual()) {
                try {
                    JsonNode parsed = JSON.readTree(args.asText());
                    if (parsed == null || !parsed.isObject()) {
                        throw new LineException(at + ".function.arguments must encode a JSON object, found "
                                + (parsed == null ? "nothing" : parsed.getNodeType().toString().toLowerCase()));
                    }
                    arguments = JSON.convertValue(parsed, Object.class);
                } catch (JsonProcessingException e) {
                    throw new LineException(at + ".function.arguments is not valid JSON: " + e.getOriginalMessage());
                }
            } else if (args.isObject()) {
                arguments = JSON.convertValue(args, Object.class);
            } else {
                throw new LineException(at + ".function.arguments must be a JSON object or a string holding one");
            }
            java.util.Map<String, Object> fn = new java.util.LinkedHashMap<>();
            fn.put("name", function.get("name").asText());
            fn.put("arguments", arguments);
            java.util.Map<String, Object> converted = new java.util.LinkedHashMap<>();
            if (call.hasNonNull("id")) {
                converted.put("id", call.get("id").asText());
            }
            converted.put("type", "function");
            converted.put("function", fn);
            out.add(converted);
        }
        return out;
    }

    private static Example.Chat parseChat(JsonNode messages) {
        return parseChat(messages, "messages", true);
    }

    /**
     * @param field           the array's name in messages ({@code messages}, {@code input.messages})
     * @param requireTrained  whether an assistant message to train on is required (not for a DPO prompt)
     */
    private static Example.Chat parseChat(JsonNode messages, String field, boolean requireTrained) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new LineException("\"" + field + "\" must be a non-empty array of {\"role\", \"content\"} objects");
        }
        List<ChatMessage> out = new ArrayList<>();
        boolean trainedAssistant = false;
        int i = 0;
        for (JsonNode m : messages) {
            String where = field + "[" + i++ + "]";
            if (!m.isObject()) {
                throw new LineException(where + " must be an object with \"role\" and \"content\"");
            }
            JsonNode roleNode = m.get("role");
            if (roleNode == null || !roleNode.isTextual()) {
                throw new LineException(where + " has no \"role\" string; use one of system, user, assistant, tool");
            }
            String role = roleNode.asText();
            if (!ROLES.contains(role)) {
                throw new LineException(where + " has role \"" + role + "\"; supported roles are system, user, assistant, tool");
            }
            if (m.hasNonNull("function_call")) {
                throw new LineException(where + " has the deprecated \"function_call\"; write it as \"tool_calls\"");
            }
            java.util.Map<String, Object> extra = new java.util.LinkedHashMap<>();
            boolean calls = m.hasNonNull("tool_calls");
            if (calls) {
                if (!ChatMessage.ASSISTANT.equals(role)) {
                    throw new LineException(where + " has \"tool_calls\" but only assistant messages may have them");
                }
                extra.put("tool_calls", toolCalls(m.get("tool_calls"), where));
            }
            if (ChatMessage.TOOL.equals(role) && m.hasNonNull("tool_call_id")) {
                extra.put("tool_call_id", m.get("tool_call_id").asText());
            }
            if (m.hasNonNull("name")) {
                if (!m.get("name").isTextual()) {
                    throw new LineException(where + ".name must be a string");
                }
                extra.put("name", m.get("name").asText());
            }
            String content = calls && (m.get("content") == null || m.get("content").isNull()) ? ""
                    : content(m.get("content"), where);
            boolean trained = false;
            JsonNode weight = m.get("weight");
            if (weight != null && !weight.isNull()) {
                if (!ChatMessage.ASSISTANT.equals(role)) {
                    throw new LineException(where + " has a \"weight\" but only assistant messages may have one");
                }
                if (!weight.isIntegralNumber() || (weight.asInt() != 0 && weight.asInt() != 1)) {
                    throw new LineException(where + " has \"weight\": " + weight + "; it must be 0 or 1");
                }
            }
            if (ChatMessage.ASSISTANT.equals(role)) {
                trained = weight == null || weight.isNull() || weight.asInt() == 1;
                trainedAssistant |= trained;
            }
            out.add(new ChatMessage(role, content, trained, extra));
        }
        if (requireTrained && !trainedAssistant) {
            throw new LineException("no assistant message to train on (add one with \"role\": \"assistant\" and weight 1 or no weight)");
        }
        return new Example.Chat(out);
    }

    private static String content(JsonNode c, String where) {
        if (c == null || c.isNull()) {
            throw new LineException(where + " has no \"content\"");
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            // OpenAI content parts: [{"type": "text", "text": "..."}]; only text parts are supported.
            StringBuilder sb = new StringBuilder();
            Iterator<JsonNode> parts = c.elements();
            int p = 0;
            while (parts.hasNext()) {
                JsonNode part = parts.next();
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw new LineException(where + ".content[" + p + "] must be {\"type\": \"text\", \"text\": \"...\"}; other content types are not supported");
                }
                sb.append(part.get("text").asText());
                p++;
            }
            return sb.toString();
        }
        throw new LineException(where + ".content must be a string, found " + c.getNodeType().toString().toLowerCase());
    }

    /** The reason one line is refused. */
    static final class LineException extends RuntimeException {
        LineException(String message) {
            super(message, null, false, false);
        }
    }
}
