package dev.loraforge.engine.data;

import java.util.List;

/** One parsed dataset record. */
public sealed interface Example {

    DatasetFormat format();

    /** An OpenAI chat record. */
    record Chat(List<ChatMessage> messages) implements Example {
        public Chat {
            messages = List.copyOf(messages);
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
