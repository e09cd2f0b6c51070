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

    /** An OpenAI tool-use line: tools, an assistant tool call (arguments as a JSON string), the tool's answer, the reply. */
    static final String TOOL_LINE = "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\","
            + " \"description\": \"Current weather of a city\", \"parameters\": {\"type\": \"object\", \"properties\":"
            + " {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}],"
            + " \"messages\": [{\"role\": \"user\", \"content\": \"Weather in Paris?\"},"
            + " {\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"call_1\", \"type\": \"function\","
            + " \"function\": {\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]},"
            + " {\"role\": \"tool\", \"tool_call_id\": \"call_1\", \"content\": \"22 C, sunny\"},"
            + " {\"role\": \"assistant\", \"content\": \"It is 22 C and sunny.\"}]}";

    @TestFactory
    Stream<DynamicTest> toolCallsAndRepliesAreTrainedWithTheTools() {
        Example.Chat chat = (Example.Chat) DatasetValidator.parseLine(TOOL_LINE);
        assertThat(chat.tools()).hasSize(1);
        assertThat(chat.messages().get(1).extra().get("tool_calls").toString())
                .as("arguments parsed into an object, as transformers' templates expect")
                .contains("arguments={city=Paris}");
        return Stream.of("llama3_1", "qwen2_5", "qwen3").map(family -> DynamicTest.dynamicTest(family, () -> {
            Map<String, Object> config = ChatTemplateGoldenTest.read(family + ".json", new TypeReference<>() { });
            ChatTemplate template = ChatTemplateGoldenTest.template(config);
            Set<String> special = new HashSet<>(MARKERS);
            AssistantSpans spans = new AssistantSpans(template::render, special);
            Map<String, Object> tools = Map.of("tools", chat.tools());
            AssistantSpans.Rendered r = spans.render(chat.messages(), (m, p) -> template.render(m, p, tools));
            assertThat(r.text()).as("the tool definition reaches the template").contains("Current weather of a city");
            assertThat(r.trained()).as(family).hasSize(2);
            String call = r.text().substring(r.trained().get(0).start(), r.trained().get(0).end());
            String reply = r.text().substring(r.trained().get(1).start(), r.trained().get(1).end());
            String eot = EXPECTED.get(family).get(0);
            assertThat(call).as(family).contains("get_weather").contains("{\"city\": \"Paris\"}").contains(eot)
                    .doesNotContain("22 C, sunny").doesNotContain("Weather in Paris?");
            assertThat(reply).as(family).startsWith(family.equals("qwen3") ? "<think>" : "It is 22 C and sunny.")
                    .contains("It is 22 C and sunny." + eot).doesNotContain("22 C, sunny<");
        }));
    }

    @org.junit.jupiter.api.Test
    void aTemplateThatDropsToolCallsIsRefusedRatherThanTrainingAnEmptyTurn() {
        Example.Chat chat = (Example.Chat) DatasetValidator.parseLine(TOOL_LINE);
        ChatTemplate llama3 = ChatTemplateGoldenTest.template(ChatTemplateGoldenTest.read("llama3.json", new TypeReference<>() { }));
        AssistantSpans spans = new AssistantSpans(llama3::render, MARKERS);
        Map<String, Object> tools = Map.of("tools", chat.tools());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> spans.render(chat.messages(), (m, p) -> llama3.render(m, p, tools)))
                .isInstanceOf(ChatTemplate.TemplateException.class)
                .hasMessageContaining("does not write the tool_calls of messages[1] (no 'get_weather'");
    }

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
