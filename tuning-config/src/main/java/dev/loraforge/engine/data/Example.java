package dev.loraforge.engine.data;

import java.util.List;

/** One parsed dataset record. */
public sealed interface Example {

    DatasetFormat format();

    /**
     * An OpenAI chat record; {@code tools} are its function definitions
     * ({@code {"type": "function", "function": {...}}} as plain Java values, empty when none), which the chat
     * template receives as {@code tools}.
     */
    record Chat(List<ChatMessage> messages, List<Object> tools) implements Example {
        public Chat {
            messages = List.copyOf(messages);
            tools = tools == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(tools));
        }

        public Chat(List<ChatMessage> messages) {
            this(messages, List.of());
        }

        @Override
        public DatasetFormat format() {
            return DatasetFormat.CHAT;
        }
    }

    /** A prompt/completion record. */
    record PromptCompletion(String prompt, String completion) implements Example {
        @Override
        public DatasetFormat format() {
            return DatasetFormat.PROMPT_COMPLETION;
        }
    }

    /** A plain-text record. */
    record Text(String text) implements Example {
        @Override
        public DatasetFormat format() {
            return DatasetFormat.TEXT;
        }
    }
}
