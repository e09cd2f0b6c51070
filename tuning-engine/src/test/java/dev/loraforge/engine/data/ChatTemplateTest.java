package dev.loraforge.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Chat templates in the shape of those shipped in real tokenizer_config.json files (see ChatTemplateGoldenTest for the real ones). */
class ChatTemplateTest {

    private static final List<ChatMessage> CHAT = List.of(
            new ChatMessage("user", "  Hi there ", false),
            new ChatMessage("assistant", "Hello!", true),
            new ChatMessage("user", "Bye", false),
            new ChatMessage("assistant", "Goodbye.", true));

    @Test
    void llama3StyleTemplateWithTrimFilterAndBosOnFirstMessage() {
        String template = "{% set loop_messages = messages %}{% for message in loop_messages %}"
                + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}"
                + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
        ChatTemplate t = new ChatTemplate(template, "<|begin_of_text|>", "<|eot_id|>");
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", t.render(CHAT.subList(0, 1), true));
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nGoodbye.<|eot_id|>", t.render(CHAT, false));
    }

    @Test
    void qwen2StyleTemplateAddsADefaultSystemMessage() {
        String template = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
                + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
        ChatTemplate t = new ChatTemplate(template, null, "<|im_end|>");
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\n  Hi there <|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n", t.render(CHAT.subList(0, 2), false));
    }

    @Test
    void blockTagsFollowTransformersWhitespaceRules() {
        // trim_blocks drops the newline after a block tag; lstrip_blocks drops indentation before one
        String template = "{% for message in messages %}\n    {% if message['role'] == 'user' %}\nQ: {{ message['content'] }}\n"
                + "    {% else %}\nA: {{ message['content'] }}\n    {% endif %}\n{% endfor %}";
        ChatTemplate t = new ChatTemplate(template, null, null);
        assertEquals("Q:   Hi there \nA: Hello!\n", t.render(CHAT.subList(0, 2), false));
    }
}
