package dev.loraforge.engine.data;

/**
 * One message of a chat example. {@code trained} is false for system/user messages and for assistant
 * messages with OpenAI's {@code "weight": 0}.
 */
public record ChatMessage(String role, String content, boolean trained) {

    public static final String SYSTEM = "system";
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";

    public boolean isAssistant() {
        return ASSISTANT.equals(role);
    }
}
