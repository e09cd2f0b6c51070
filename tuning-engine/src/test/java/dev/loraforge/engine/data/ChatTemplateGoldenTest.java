package dev.loraforge.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders every conversation of {@code chat-templates/conversations.json} with the real chat template
 * of each model family and compares byte for byte with {@code <family>.golden.json}, which
 * {@code render_golden.py} produced with Python jinja2 in transformers' environment. Cases where the
 * template calls {@code raise_exception} must fail with that message; cases where Python itself fails
 * (e.g. {@code str + list}) must fail too.
 */
class ChatTemplateGoldenTest {

    static final List<String> FAMILIES = List.of("llama3", "llama3_1", "llama3_2", "qwen2_5", "qwen3", "gemma3",
            "mistral_nemo", "phi4", "deepseek_r1_distill_qwen", "deepseek_r1_distill_llama");
    /** The instant render_golden.py pins strftime_now to (PINNED_NOW). */
    static final Clock PINNED = Clock.fixed(LocalDateTime.of(2025, 3, 4, 9, 30).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicContainer> everyFamilyRendersEveryConversationLikePythonJinja2() {
        List<Map<String, Object>> conversations = read("conversations.json", new TypeReference<>() { });
        return FAMILIES.stream().map(family -> {
            Map<String, Object> config = read(family + ".json", new TypeReference<>() { });
            Map<String, Object> golden = read(family + ".golden.json", new TypeReference<>() { });
            ChatTemplate template = template(config);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> cases = (List<Map<String, Object>>) golden.get("cases");
            assertEquals(conversations.size(), cases.size(), family + ": goldens are stale, rerun render_golden.py");
            List<DynamicTest> tests = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                Map<String, Object> conv = conversations.get(i);
                Map<String, Object> expected = cases.get(i);
                tests.add(DynamicTest.dynamicTest((String) expected.get("id"), () -> check(template, conv, expected)));
            }
            return DynamicContainer.dynamicContainer(family, tests);
        });
    }

    static ChatTemplate template(Map<String, Object> config) {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String name : ChatTemplate.SPECIAL_TOKENS) {
            Object v = config.get(name);
            // tokenizer_config.json writes a token as a string or as an AddedToken object
            if (v instanceof Map<?, ?> added) {
                v = added.get("content");
            }
            if (v != null) {
                tokens.put(name, (String) v);
            }
        }
        return ChatTemplate.of((String) config.get("chat_template"), tokens, PINNED);
    }

    @SuppressWarnings("unchecked")
    static List<ChatMessage> messages(List<Map<String, Object>> raw) {
        List<ChatMessage> out = new ArrayList<>();
        for (Map<String, Object> m : raw) {
            Map<String, Object> extra = new LinkedHashMap<>(m);
            extra.remove("role");
            Object content = extra.get("content");
            if (content instanceof String || content == null) {
                extra.remove("content");
            }
            out.add(new ChatMessage((String) m.get("role"), content instanceof String s ? s : null,
                    "assistant".equals(m.get("role")), extra));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void check(ChatTemplate template, Map<String, Object> conv, Map<String, Object> expected) {
        List<ChatMessage> messages = messages((List<Map<String, Object>>) conv.get("messages"));
        boolean generation = (Boolean) conv.get("add_generation_prompt");
        Map<String, Object> kwargs = (Map<String, Object>) conv.getOrDefault("kwargs", Map.of());
        if (expected.containsKey("output")) {
            assertEquals(expected.get("output"), template.render(messages, generation, kwargs));
        } else if (expected.containsKey("raised")) {
            ChatTemplate.TemplateException e = assertThrows(ChatTemplate.TemplateException.class,
                    () -> template.render(messages, generation, kwargs));
            assertEquals("the chat template refused the messages: " + expected.get("raised"), e.getMessage());
        } else {
            ChatTemplate.TemplateException e = assertThrows(ChatTemplate.TemplateException.class,
                    () -> template.render(messages, generation, kwargs), "Python failed with " + expected.get("error"));
            assertTrue(e.getMessage().startsWith("cannot render the chat template"), e.getMessage());
        }
    }

    static <T> T read(String name, TypeReference<T> type) {
        try (InputStream in = ChatTemplateGoldenTest.class.getResourceAsStream("/chat-templates/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource chat-templates/" + name);
            }
            return JSON.readValue(in, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
