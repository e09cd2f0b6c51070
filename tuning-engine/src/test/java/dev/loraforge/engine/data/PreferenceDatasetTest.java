package dev.loraforge.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loraforge.engine.fixtures.PreferencePairs;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Preference (DPO) lines: both formats accepted, each malformed case refused naming line and field, no mixing; encoding. */
class PreferenceDatasetTest {

    private static final String OPENAI = "{\"input\": {\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]},"
            + " \"preferred_output\": [{\"role\": \"assistant\", \"content\": \"Hello!\"}],"
            + " \"non_preferred_output\": [{\"role\": \"assistant\", \"content\": \"Go away.\"}]}";
    private static final String PLAIN = "{\"prompt\": \"The capital of France is\", \"chosen\": \" Paris.\", \"rejected\": \" Rome.\"}";

    private static DatasetValidator.Result parse(String... lines) {
        return DatasetValidator.parse(new ByteArrayInputStream(String.join("\n", lines).getBytes(StandardCharsets.UTF_8)), 50);
    }

    @Test
    void bothFormatsParse() {
        DatasetValidator.Result openai = parse(OPENAI, OPENAI);
        assertTrue(openai.valid(), openai.errors().toString());
        assertEquals(DatasetFormat.PREFERENCE_CHAT, openai.format());
        Example.Preference p = openai.preferences().get(0);
        assertTrue(p.isChat());
        assertEquals(List.of(new ChatMessage("user", "Hi", false)), p.input());
        assertEquals("Hello!", p.chosen());
        assertEquals("Go away.", p.rejected());

        DatasetValidator.Result plain = parse(PLAIN);
        assertTrue(plain.valid(), plain.errors().toString());
        assertEquals(DatasetFormat.PREFERENCE_TEXT, plain.format());
        assertEquals(Example.Preference.text("The capital of France is", " Paris.", " Rome."), plain.preferences().get(0));
        assertTrue(parse(PreferencePairs.openAiLines(12).toArray(String[]::new)).valid());
        assertThrows(IllegalArgumentException.class, () -> parse("{\"text\": \"a\"}").preferences());
    }

    private static void refused(String line, String... fragments) {
        DatasetValidator.Result r = parse(OPENAI, line);
        assertEquals(1, r.errors().size(), line + " -> " + r.errors());
        ValidationError e = r.errors().get(0);
        assertEquals(2, e.line(), e.toString());
        for (String f : fragments) {
            assertTrue(e.message().contains(f), "expected '" + f + "' in: " + e);
        }
    }

    @Test
    void eachMalformedOpenAiLineIsRefusedNamingItsField() {
        refused("{\"preferred_output\": [{\"role\": \"assistant\", \"content\": \"a\"}], \"non_preferred_output\": []}", "\"input\"");
        refused("{\"input\": [], \"preferred_output\": [], \"non_preferred_output\": []}", "\"input\" must be an object");
        refused("{\"input\": {\"messages\": []}, \"preferred_output\": [{\"role\": \"assistant\", \"content\": \"a\"}],"
                + " \"non_preferred_output\": [{\"role\": \"assistant\", \"content\": \"b\"}]}", "input.messages");
        refused("{\"input\": {\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}, \"preferred_output\": [{\"role\": \"assistant\","
                + " \"content\": \"a\"}], \"non_preferred_output\": [{\"role\": \"assistant\", \"content\": \"b\"}]}", "input.messages[0]", "robot");
        refused(OPENAI.replace("\"preferred_output\": [{\"role\": \"assistant\", \"content\": \"Hello!\"}],", ""), "preferred_output");
        refused(OPENAI.replace(", \"non_preferred_output\": [{\"role\": \"assistant\", \"content\": \"Go away.\"}]", ""),
                "non_preferred_output");
        refused(OPENAI.replace("[{\"role\": \"assistant\", \"content\": \"Hello!\"}]",
                "[{\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}]"),
                "\"preferred_output\" must be an array of exactly one", "found 2 messages");
        refused(OPENAI.replace("{\"role\": \"assistant\", \"content\": \"Go away.\"}", "{\"role\": \"user\", \"content\": \"x\"}"),
                "non_preferred_output[0]", "assistant");
        refused(OPENAI.replace("\"content\": \"Hello!\"", "\"content\": \"\""), "preferred_output[0].content is empty");
        refused(OPENAI.replace("\"content\": \"Go away.\"", "\"content\": 7"), "non_preferred_output[0].content must be a string");
    }

    @Test
    void eachMalformedPlainLineIsRefusedNamingItsField() {
        DatasetValidator.Result r = parse(PLAIN, "{\"chosen\": \"a\", \"rejected\": \"b\"}",
                "{\"prompt\": \"p\", \"chosen\": \"a\"}", "{\"prompt\": \"p\", \"chosen\": 3, \"rejected\": \"b\"}",
                "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"\"}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"p\"}], \"chosen\": \"a\", \"rejected\": \"b\"}");
        assertEquals(5, r.errors().size(), r.errors().toString());
        String[] expected = {"missing \"prompt\"", "missing \"rejected\"", "\"chosen\" must be a string", "\"rejected\" is empty",
            "\"prompt\" must be a string; for conversations use OpenAI's"};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(i + 2, r.errors().get(i).line());
            assertTrue(r.errors().get(i).message().contains(expected[i]), r.errors().get(i).toString());
        }
    }

    @Test
    void aFileHasOneFormatSupervisedAndPreferenceDoNotMix() {
        DatasetValidator.Result mixed = parse(OPENAI, "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"},"
                + " {\"role\": \"assistant\", \"content\": \"b\"}]}", PLAIN, "{\"prompt\": \"a\", \"completion\": \"b\"}");
        assertEquals(3, mixed.errors().size(), mixed.errors().toString());
        assertEquals(2, mixed.errors().get(0).line());
        assertTrue(mixed.errors().get(0).message().contains("line 1 set the file's format to preference"), mixed.errors().toString());
        assertTrue(mixed.errors().get(1).message().contains("this line is in preference ({\"prompt\", \"chosen\", \"rejected\"})"));
        DatasetValidator.Result supervisedFirst = parse("{\"prompt\": \"a\", \"completion\": \"b\"}", PLAIN);
        assertEquals(2, supervisedFirst.errors().get(0).line());
        assertTrue(supervisedFirst.errors().get(0).message().contains("set the file's format to prompt/completion"));
    }

    @Test
    void encodingSplitsPromptAndResponsesAndTruncatesTheResponse(@TempDir Path dir) throws Exception {
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, dir, 3);
        try (ModelTokenizer tok = ModelTokenizer.load(dir)) {
            Example.Preference chat = parse(OPENAI).preferences().get(0);
            EncodedPreference e = new PreferenceEncoder(tok, 512).encode(chat);
            ChatTemplate t = ChatTemplate.forTokenizer(tok);
            String prompt = t.render(chat.input(), true);
            assertArrayEquals(tok.encode(prompt), e.promptIds());
            // the response is the rest of the full rendering: content plus the template's end of turn
            String full = t.render(List.of(chat.input().get(0), new ChatMessage("assistant", "Hello!", true)), false);
            assertEquals(full.substring(prompt.length()), tok.decode(e.chosenIds(), false));
            assertTrue(tok.decode(e.chosenIds(), false).startsWith("Hello!<|im_end|>"), tok.decode(e.chosenIds(), false));
            int[] whole = tok.encode(full);
            assertArrayEquals(Arrays.copyOfRange(whole, e.promptIds().length, whole.length), e.chosenIds());
            EncodedExample seq = e.chosen();
            assertEquals(e.promptIds().length + e.chosenIds().length, seq.length());
            assertEquals(e.chosenIds().length, seq.targetTokens(), "labels on the response only");

            Example.Preference plain = parse(PLAIN).preferences().get(0);
            EncodedPreference p = new PreferenceEncoder(tok, 512).encode(plain);
            assertEquals(tok.bosId().orElseThrow(), p.promptIds()[0]);
            assertEquals(tok.eosId().orElseThrow(), p.chosenIds()[p.chosenIds().length - 1]);
            assertEquals(" Paris." + tok.eosToken().orElseThrow(), tok.decode(p.chosenIds(), false));

            int promptLen = p.promptIds().length;
            EncodedPreference cut = new PreferenceEncoder(tok, promptLen + 1).encode(plain);
            assertArrayEquals(p.promptIds(), cut.promptIds(), "the prompt is kept");
            assertEquals(1, cut.chosenIds().length);
            assertEquals(1, cut.rejectedIds().length);
            assertNull(new PreferenceEncoder(tok, promptLen).encode(plain), "no response token left: dropped");
            PreferenceEncoder.Encoded all = new PreferenceEncoder(tok, promptLen).encodeAll(List.of(plain, plain));
            assertEquals(2, all.dropped());
            assertTrue(all.pairs().isEmpty());
        }
    }
}
