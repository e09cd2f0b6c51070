package dev.loraforge.engine.data;

/**
 * The accepted JSONL record shapes: three supervised ones and two preference (DPO) ones. A file has one format;
 * a preference file trains only with the DPO method ({@link dev.loraforge.engine.train.TrainingMethod}), a
 * supervised one only with supervised fine-tuning.
 */
public enum DatasetFormat {
    /** {@code {"messages": [{"role": "system"|"user"|"assistant", "content": "...", "weight": 0|1}, ...]}} (OpenAI chat). */
    CHAT,
    /** {@code {"prompt": "...", "completion": "..."}}: loss on the completion only. */
    PROMPT_COMPLETION,
    /** {@code {"text": "..."}}: loss on every token. */
    TEXT,
    /**
     * OpenAI's DPO format: {@code {"input": {"messages": [...], "tools": [...]}, "preferred_output": [{"role":
     * "assistant", "content": "..."}], "non_preferred_output": [{"role": "assistant", "content": "..."}]}}.
     */
    PREFERENCE_CHAT,
    /** TRL's plain preference format: {@code {"prompt": "...", "chosen": "...", "rejected": "..."}}. */
    PREFERENCE_TEXT;

    /** True for the preference (DPO) formats. */
    public boolean isPreference() {
        return this == PREFERENCE_CHAT || this == PREFERENCE_TEXT;
    }
}
