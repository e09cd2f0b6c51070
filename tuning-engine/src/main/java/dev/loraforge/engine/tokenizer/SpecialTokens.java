package dev.loraforge.engine.tokenizer;

import java.util.List;

/**
 * Special tokens of the generated tokenizer. Ids 0..3 are reserved for them, in this order, so the
 * model's {@code bos_token_id = 1}, {@code eos_token_id = 2}, {@code pad_token_id = 0} defaults hold.
 */
public final class SpecialTokens {

    public static final String PAD = "<|pad|>";
    public static final String BOS = "<|begin_of_text|>";
    /** End of a turn and of a sequence (ChatML's {@code <|im_end|>}, as Qwen2 uses it). */
    public static final String EOS = "<|im_end|>";
    public static final String IM_START = "<|im_start|>";

    public static final int PAD_ID = 0;
    public static final int BOS_ID = 1;
    public static final int EOS_ID = 2;
    public static final int IM_START_ID = 3;

    /** In id order. */
    public static final List<String> ALL = List.of(PAD, BOS, EOS, IM_START);

    /**
     * The chat template written into {@code tokenizer_config.json}: ChatML with a leading BOS,
     * rendered by Hugging Face with {@code trim_blocks} and {@code lstrip_blocks} (as here).
     */
    public static final String CHAT_TEMPLATE = "{{ bos_token }}{% for message in messages %}"
            + "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}"
            + "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

    private SpecialTokens() {
    }
}
