package dev.loraforge.engine.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One message of a chat example. {@code trained} is false for system/user messages and for assistant
 * messages with OpenAI's {@code "weight": 0}. {@code extra} holds the message's other fields as plain
 * Java values ({@code tool_calls}, {@code name}, {@code reasoning_content}, or {@code content} as a
 * list of parts, which then replaces the string content); the chat template sees them as the
 * message's keys.
 */
public record ChatMessage(String role, String content, boolean trained, Map<String, Object> extra) {

    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";
    public static final String TOOL = "tool";

    public ChatMessage {
        extra = extra == null || extra.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    public ChatMessage(String role, String content, boolean trained) {
        this(role, content, trained, Map.of());
    }

    public boolean isAssistant() {
        return ASSISTANT.equals(role);
    }
}
