package dev.loraforge.engine.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The trained span of the real chat templates of ten families (chat-templates/*.json): a system
 * message, a weight-0 answer with reasoning, and a trained answer. Exactly the trained answer and the
 * end-of-turn text the family writes after it are trained; the end-of-turn token is the one
 * generation must stop on.
 */
class AssistantSpansRealTemplatesTest {

    /** Family: {end-of-turn token, trained text}. */
    private static final Map<String, List<String>> EXPECTED = Map.of(
            "llama3", List.of("<|eot_id|>", "Goodbye, friend.<|eot_id|>"),
            "llama3_1", List.of("<|eot_id|>", "Goodbye, friend.<|eot_id|>"),
            "llama3_2", List.of("<|eot_id|>", "Goodbye, friend.<|eot_id|>"),
            "qwen2_5", List.of("<|im_end|>", "Goodbye, friend.<|im_end|>\n"),
            "qwen3", List.of("<|im_end|>", "<think>\n\n</think>\n\nGoodbye, friend.<|im_end|>\n"),
            "gemma3", List.of("<end_of_turn>", "Goodbye, friend.<end_of_turn>\n"),
            "mistral_nemo", List.of("</s>", "Goodbye, friend.</s>"),
            "phi4", List.of("<|im_end|>", "Goodbye, friend.<|im_end|>"),
            "deepseek_r1_distill_qwen", List.of("<｜end▁of▁sentence｜>", "Goodbye, friend.<｜end▁of▁sentence｜>"),
            "deepseek_r1_distill_llama", List.of("<｜end▁of▁sentence｜>", "Goodbye, friend.<｜end▁of▁sentence｜>"));

    /** The special tokens these families' tokenizer.json files mark special (the ones their templates write). */
    private static final Set<String> MARKERS = Set.of("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
            "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>", "<|python_tag|>", "<|im_start|>", "<|im_end|>", "<|im_sep|>",
            "<|endoftext|>", "<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>", "<s>", "</s>", "[INST]", "[/INST]",
            "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>");

    private static final List<ChatMessage> CHAT = List.of(
            new ChatMessage("system", "You are terse.", false),
            new ChatMessage("user", "Hi there", false),
            new ChatMessage("assistant", "<think>\nGreet back.\n</think>\n\nHello!", false),
            new ChatMessage("user", "Bye", false),
            new ChatMessage("assistant", "Goodbye, friend.", true));

    @TestFactory
    Stream<DynamicTest> eachFamilyTrainsTheAnswerAndItsEndOfTurn() {
        return ChatTemplateGoldenTest.FAMILIES.stream().map(family -> DynamicTest.dynamicTest(family, () -> {
            Map<String, Object> config = ChatTemplateGoldenTest.read(family + ".json", new TypeReference<>() { });
            ChatTemplate template = ChatTemplateGoldenTest.template(config);
            Set<String> special = new HashSet<>(MARKERS);
            for (String key : ChatTemplate.SPECIAL_TOKENS) {
                if (config.get(key) instanceof String s) {
                    special.add(s);
                }
            }
            AssistantSpans spans = new AssistantSpans(template::render, special);
            assertThat(spans.endOfTurnToken()).as(family).contains(EXPECTED.get(family).get(0));
            AssistantSpans.Rendered r = spans.render(CHAT);
            assertThat(r.text()).isEqualTo(template.render(CHAT, false));
            assertThat(r.trained()).as(family).hasSize(1);
            AssistantSpans.Span s = r.trained().get(0);
            assertThat(r.text().substring(s.start(), s.end())).as(family).isEqualTo(EXPECTED.get(family).get(1));
        }));
    }
}
