package dev.loraforge.engine.data;

/** The three accepted JSONL record shapes. */
public enum DatasetFormat {
    /** {@code {"messages": [{"role": "system"|"user"|"assistant", "content": "...", "weight": 0|1}, ...]}} (OpenAI chat). */
    CHAT,
    /** {@code {"prompt": "...", "completion": "..."}}: loss on the completion only. */
    PROMPT_COMPLETION,
    /** {@code {"text": "..."}}: loss on every token. */
    TEXT
}
