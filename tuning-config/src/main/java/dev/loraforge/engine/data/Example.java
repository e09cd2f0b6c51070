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

    /**
     * A preference pair (DPO): a prompt and two responses, {@code chosen} preferred over {@code rejected}. Either
     * {@code input} (OpenAI's {@code input.messages}, rendered with the chat template and its generation prompt; the
     * responses are assistant turns) or {@code prompt} (TRL's plain text, no template) is set, never both.
     *
     * @param input    the conversation before the responses (OpenAI format), or null
     * @param tools    {@code input.tools} as plain Java values (empty when none); the chat template gets them
     * @param prompt   the plain prompt text (TRL format), or null
     * @param chosen   the preferred response's text
     * @param rejected the other response's text
     */
    record Preference(List<ChatMessage> input, List<Object> tools, String prompt, String chosen, String rejected)
            implements Example {
        public Preference {
            if ((input == null) == (prompt == null)) {
                throw new IllegalArgumentException("a preference example has either input messages or a prompt text");
            }
            input = input == null ? null : List.copyOf(input);
            tools = tools == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(tools));
            java.util.Objects.requireNonNull(chosen, "chosen");
            java.util.Objects.requireNonNull(rejected, "rejected");
        }

        /** OpenAI's format: a conversation and two assistant replies. */
        public static Preference chat(List<ChatMessage> input, List<Object> tools, String chosen, String rejected) {
            return new Preference(input, tools, null, chosen, rejected);
        }

        /** TRL's plain format. */
        public static Preference text(String prompt, String chosen, String rejected) {
            return new Preference(null, List.of(), prompt, chosen, rejected);
        }

        /** True for OpenAI's format (rendered with the chat template). */
        public boolean isChat() {
            return input != null;
        }

        @Override
        public DatasetFormat format() {
            return isChat() ? DatasetFormat.PREFERENCE_CHAT : DatasetFormat.PREFERENCE_TEXT;
        }
    }
}
