package dev.loraforge.engine.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Trained spans located in one rendering, for templates of the shapes real models ship: appending
 * ones (Llama 3, ChatML, Llama 2, Gemma) and ones that re-render history (Qwen3 dropping earlier
 * reasoning, DeepSeek-R1 writing a generation prompt the conversation does not repeat).
 */
class AssistantSpansTest {

    /** Meta-Llama-3-Instruct's chat_template. */
    static final String LLAMA3 = "{% set loop_messages = messages %}{% for message in loop_messages %}"
            + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
            + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";
    static final Set<String> LLAMA3_SPECIAL = Set.of("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
            "<|end_header_id|>", "<|eot_id|>");

    private static final List<ChatMessage> CHAT = List.of(
            new ChatMessage("user", "  Hi there ", false),
            new ChatMessage("assistant", "Hello!", false),      // weight 0
            new ChatMessage("user", "Bye", false),
            new ChatMessage("assistant", "Goodbye.", true));

    private static List<String> trainedTexts(AssistantSpans spans, List<ChatMessage> messages) {
        AssistantSpans.Rendered r = spans.render(messages);
        return r.trained().stream().map(s -> r.text().substring(s.start(), s.end())).toList();
    }

    private static List<ChatMessage> allTrained(List<ChatMessage> messages) {
        return messages.stream().map(m -> new ChatMessage(m.role(), m.content(), m.isAssistant())).toList();
    }

    @Test
    void llama3TrainsTheWeightedTurnAndItsEotOnly() {
        ChatTemplate t = new ChatTemplate(LLAMA3, "<|begin_of_text|>", "<|eot_id|>");
        AssistantSpans spans = new AssistantSpans(t::render, LLAMA3_SPECIAL);
        assertThat(spans.closing()).isEqualTo("<|eot_id|>");
        assertThat(spans.endOfTurnToken()).contains("<|eot_id|>");
        assertThat(trainedTexts(spans, CHAT)).containsExactly("Goodbye.<|eot_id|>");
        assertThat(trainedTexts(spans, allTrained(CHAT))).containsExactly("Hello!<|eot_id|>", "Goodbye.<|eot_id|>");
        AssistantSpans.Rendered r = spans.render(CHAT);
        assertThat(r.text()).isEqualTo(t.render(CHAT, false));
        assertThat(r.trained().get(0).end()).isEqualTo(r.text().length());
    }

    @Test
    void llama3TemplateThatAlwaysAppendsTheHeaderEndsTheTurnAtEot() {
        // The first Llama 3 release wrote the assistant header even without add_generation_prompt.
        String template = LLAMA3.replace("{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}",
                "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}");
        ChatTemplate t = new ChatTemplate(template, "<|begin_of_text|>", "<|end_of_text|>");
        assertThat(t.render(CHAT, false)).endsWith("Goodbye.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
        AssistantSpans spans = new AssistantSpans(t::render, LLAMA3_SPECIAL);
        assertThat(spans.endOfTurnToken()).contains("<|eot_id|>");
        assertThat(trainedTexts(spans, allTrained(CHAT))).containsExactly("Hello!<|eot_id|>", "Goodbye.<|eot_id|>");
    }

    @Test
    void chatMlWithADefaultSystemMessageTrainsImEndAndItsNewline() {
        String template = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
                + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
        AssistantSpans spans = new AssistantSpans(new ChatTemplate(template, null, "<|im_end|>")::render,
                Set.of("<|im_start|>", "<|im_end|>", "<|endoftext|>"));
        assertThat(spans.closing()).isEqualTo("<|im_end|>\n");
        assertThat(trainedTexts(spans, CHAT)).containsExactly("Goodbye.<|im_end|>\n");
    }

    @Test
    void llama2AndGemmaStyles() {
        String llama2 = "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
                + "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% else %}{{ ' ' + message['content'] + ' ' + eos_token }}{% endif %}{% endfor %}";
        AssistantSpans l2 = new AssistantSpans(new ChatTemplate(llama2, "<s>", "</s>")::render, Set.of("<s>", "</s>", "<unk>"));
        assertThat(l2.endOfTurnToken()).contains("</s>");
        assertThat(trainedTexts(l2, allTrained(CHAT))).containsExactly(" Hello! </s>", " Goodbye. </s>");

        String gemma = "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'assistant' %}{% set role = 'model' %}"
                + "{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}"
                + "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}";
        AssistantSpans g = new AssistantSpans(new ChatTemplate(gemma, "<bos>", "<eos>")::render,
                Set.of("<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"));
        assertThat(g.endOfTurnToken()).contains("<end_of_turn>");
        assertThat(trainedTexts(g, CHAT)).containsExactly("Goodbye.<end_of_turn>\n");
    }

    /** Qwen3's shape: earlier turns lose their reasoning; turns after the last user message keep a think block. */
    static final String QWEN3_LIKE = "{% for message in messages %}{% if message['role'] == 'assistant' %}"
            + "{% set content = message['content'] %}{% set reasoning = '' %}"
            + "{% if '</think>' in content %}{% set reasoning = content.split('</think>')[0].split('<think>')[1] | trim %}"
            + "{% set content = content.split('</think>')[1] | trim %}{% endif %}"
            + "{% if loop.last %}{{ '<|im_start|>assistant\n<think>\n' + reasoning + '\n</think>\n\n' + content }}"
            + "{% else %}{{ '<|im_start|>assistant\n' + content }}{% endif %}{{ '<|im_end|>\n' }}"
            + "{% else %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    @Test
    void qwen3ShapeDropsEarlierReasoningYetEachTurnIsFound() {
        List<ChatMessage> chat = List.of(
                new ChatMessage("user", "Hi", false),
                new ChatMessage("assistant", "<think>\nsay hello\n</think>\n\nHello!", true),
                new ChatMessage("user", "Bye", false),
                new ChatMessage("assistant", "<think>\nsay bye\n</think>\n\nGoodbye.", true));
        ChatTemplate t = new ChatTemplate(QWEN3_LIKE, null, "<|im_end|>");
        assertThat(t.render(chat, false)).contains("<|im_start|>assistant\nHello!<|im_end|>\n")
                .endsWith("<|im_start|>assistant\n<think>\nsay bye\n</think>\n\nGoodbye.<|im_end|>\n");
        AssistantSpans spans = new AssistantSpans(t::render, Set.of("<|im_start|>", "<|im_end|>"));
        assertThat(trainedTexts(spans, chat))
                .containsExactly("Hello!<|im_end|>\n", "<think>\nsay bye\n</think>\n\nGoodbye.<|im_end|>\n");
    }

    @Test
    void deepSeekR1ShapeStartsAfterTheRenderedPartOfTheGenerationPrompt() {
        String r1 = "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '<｜User｜>' + message['content'] }}"
                + "{% else %}{% set content = message['content'] %}{% if '</think>' in content %}{% set content = content.split('</think>')[1] %}{% endif %}"
                + "{{ '<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>' }}{% endif %}{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}";
        List<ChatMessage> chat = List.of(
                new ChatMessage("user", "Hi", false),
                new ChatMessage("assistant", "<think>\nhmm\n</think>\n\nHello!", true),
                new ChatMessage("user", "Bye", false),
                new ChatMessage("assistant", "Goodbye.", false));
        AssistantSpans spans = new AssistantSpans(new ChatTemplate(r1, "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>")::render,
                Set.of("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>"));
        assertThat(spans.endOfTurnToken()).contains("<｜end▁of▁sentence｜>");
        assertThat(trainedTexts(spans, chat)).containsExactly("\n\nHello!<｜end▁of▁sentence｜>");
    }

    @Test
    void aTemplateThatLosesTheContentIsRefusedNotMistrained() {
        String forgetful = "{% for message in messages %}{% if message['role'] == 'assistant' %}{{ '<|im_start|>assistant\nOK<|im_end|>\n' }}"
                + "{% else %}{{ '<|im_start|>user\n' + message['content'] + '<|im_end|>\n' }}{% endif %}{% endfor %}"
                + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
        AssistantSpans spans = new AssistantSpans(new ChatTemplate(forgetful, null, null)::render, Set.of("<|im_start|>", "<|im_end|>"));
        assertThatThrownBy(() -> spans.render(CHAT)).isInstanceOf(ChatTemplate.TemplateException.class)
                .hasMessageContaining("assistant message 1");
    }

    @Test
    void aTemplateWithoutEndOfTurnTokenEndsTheTurnWithItsRendering() {
        String plain = "{% for message in messages %}{{ message['role'] + ': ' + message['content'] + '\n' }}{% endfor %}"
                + "{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}";
        AssistantSpans spans = new AssistantSpans(new ChatTemplate(plain, null, null)::render, Set.of("<s>"));
        assertThat(spans.endOfTurnToken()).isEmpty();
        assertThat(trainedTexts(spans, CHAT)).containsExactly("Goodbye.\n");
    }
}
