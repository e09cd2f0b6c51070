package dev.loraforge.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import dev.loraforge.engine.tokenizer.SpecialTokens;
import dev.loraforge.engine.tokenizer.TokenizerGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleEncoderTest {

    @TempDir
    static Path dir;
    static ModelTokenizer tok;

    @BeforeAll
    static void setUp() throws Exception {
        TokenizerGenerator.write(dir, DemoDatasets.tokenizerCorpus(), 4096);
        tok = ModelTokenizer.load(dir);
    }

    @AfterAll
    static void tearDown() {
        tok.close();
    }

    private static String decodeWhere(EncodedExample e, boolean trained) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < e.length(); i++) {
            if ((e.labels()[i] != EncodedExample.IGNORE) == trained) {
                ids.add(e.inputIds()[i]);
            }
        }
        return tok.decode(ids.stream().mapToInt(Integer::intValue).toArray(), false);
    }

    @Test
    void lossMaskCoversExactlyTheAssistantTokens() {
        List<ChatMessage> msgs = List.of(
                new ChatMessage("system", "Be a pirate.", false),
                new ChatMessage("user", "Hello?", false),
                new ChatMessage("assistant", "Ahoy, matey!", true),
                new ChatMessage("user", "Bye.", false),
                new ChatMessage("assistant", "Farewell!", true));
        EncodedExample e = new ExampleEncoder(tok, 512).encode(new Example.Chat(msgs));
        assertEquals("Ahoy, matey!<|im_end|>\nFarewell!<|im_end|>\n", decodeWhere(e, true));
        assertEquals("<|begin_of_text|><|im_start|>system\nBe a pirate.<|im_end|>\n<|im_start|>user\nHello?<|im_end|>\n"
                + "<|im_start|>assistant\n<|im_start|>user\nBye.<|im_end|>\n<|im_start|>assistant\n", decodeWhere(e, false));
        assertEquals(SpecialTokens.BOS_ID, e.inputIds()[0]);
        // the whole sequence is what the template renders, token for token
        String rendered = new ExampleEncoder(tok, 512).chatTemplate().render(msgs, false);
        assertEquals(rendered, tok.decode(e.inputIds(), false));
        int trained = (int) Arrays.stream(e.labels()).filter(l -> l != EncodedExample.IGNORE).count();
        assertEquals(tok.encode("Ahoy, matey!<|im_end|>\n").length + tok.encode("Farewell!<|im_end|>\n").length, trained);
    }

    @Test
    void weightZeroAssistantMessagesAreNotTrained() {
        List<ChatMessage> msgs = List.of(
                new ChatMessage("user", "Hello?", false),
                new ChatMessage("assistant", "Wrong answer.", false),
                new ChatMessage("user", "Again?", false),
                new ChatMessage("assistant", "Right answer.", true));
        EncodedExample e = new ExampleEncoder(tok, 512).encode(new Example.Chat(msgs));
        assertEquals("Right answer.<|im_end|>\n", decodeWhere(e, true));
    }

    @Test
    void offsetsCountUtf16UnitsSoSpansAfterAstralCharactersStayInPlace() {
        List<ChatMessage> msgs = List.of(
                new ChatMessage("user", "\uD83D\uDE00\uD83D\uDE00 \u65E5\u672C? \uD83E\uDD9C", false),
                new ChatMessage("assistant", "Ahoy \uD83D\uDE00 matey!", true));
        ExampleEncoder enc = new ExampleEncoder(tok, 512);
        EncodedExample e = enc.encode(new Example.Chat(msgs));
        assertEquals("Ahoy \uD83D\uDE00 matey!<|im_end|>\n", decodeWhere(e, true));
        assertArrayEquals(tok.encode(enc.chatTemplate().render(msgs, false)), e.inputIds(), "one tokenization of the whole rendering");
    }

    @Test
    void aTokenStraddlingTheStartOfTheCompletionIsTrained() {
        // "is " + "Lima." is tokenized as one text: the space joins " Lima", which overlaps the completion
        EncodedExample pc = new ExampleEncoder(tok, 512).encode(new Example.PromptCompletion("The capital of Peru is ", "Lima."));
        assertEquals(" Lima.<|im_end|>", decodeWhere(pc, true));
        int[] body = tok.encode("The capital of Peru is Lima.");
        assertArrayEquals(body, Arrays.copyOfRange(pc.inputIds(), 1, pc.length() - 1));
    }

    @Test
    void llama3TemplateTrainsOnlyTheWeightedTurnAndItsEot(@TempDir Path llamaDir) throws Exception {
        TokenizerTestFiles.llama3Style(llamaDir);
        try (ModelTokenizer llama = ModelTokenizer.load(llamaDir)) {
            List<ChatMessage> msgs = List.of(
                    new ChatMessage("system", "Be a pirate.", false),
                    new ChatMessage("user", "Hello?", false),
                    new ChatMessage("assistant", "Wrong answer.", false),
                    new ChatMessage("user", "Again?", false),
                    new ChatMessage("assistant", " Right answer. ", true));
            ExampleEncoder enc = new ExampleEncoder(llama, 512);
            EncodedExample e = enc.encode(new Example.Chat(msgs));
            String rendered = enc.chatTemplate().render(msgs, false);
            assertArrayEquals(llama.encode(rendered), e.inputIds());
            int eot = llama.tokenId("<|eot_id|>").orElseThrow();
            assertEquals(List.of(llama.tokenId("<|begin_of_text|>").orElseThrow()), List.of(e.inputIds()[0]));
            List<Integer> trained = new ArrayList<>();
            for (int i = 0; i < e.length(); i++) {
                if (e.labels()[i] != EncodedExample.IGNORE) {
                    trained.add(e.inputIds()[i]);
                }
            }
            List<Integer> expected = new ArrayList<>();
            Arrays.stream(llama.encode("Right answer.")).forEach(expected::add);
            expected.add(eot);
            assertEquals(expected, trained);
            assertEquals(eot, e.inputIds()[e.length() - 1]);
        }
    }

    @Test
    void promptCompletionAndTextLabels() {
        EncodedExample pc = new ExampleEncoder(tok, 512).encode(new Example.PromptCompletion("The capital of Peru is", " Lima."));
        assertEquals(" Lima.<|im_end|>", decodeWhere(pc, true));
        assertEquals("<|begin_of_text|>The capital of Peru is", decodeWhere(pc, false));
        EncodedExample text = new ExampleEncoder(tok, 512).encode(new Example.Text("Boats rock."));
        assertEquals("<|begin_of_text|>Boats rock.<|im_end|>", decodeWhere(text, true));
        assertEquals(text.length() - 1, text.targetTokens());
    }

    @Test
    void truncatesToSeqLenAndDropsExamplesWithNothingLeftToLearn() {
        ExampleEncoder enc = new ExampleEncoder(tok, 6);
        EncodedExample t = enc.encode(new Example.Text("A good loaf of bread needs only flour, water, salt and yeast."));
        assertEquals(6, t.length());
        ExampleEncoder.Encoded all = enc.encodeAll(List.of(
                new Example.Text("short"),
                new Example.PromptCompletion("a very long prompt that uses up every one of the six tokens", " x")));
        assertEquals(1, all.examples().size());
        assertEquals(1, all.dropped());
    }

    @Test
    void jinjaTemplateMatchesTheDocumentedDefaultAndSupportsRaiseException() {
        List<ChatMessage> msgs = List.of(new ChatMessage("user", "Hi", false), new ChatMessage("assistant", "Yo", true));
        ChatTemplate jinja = new ChatTemplate(SpecialTokens.CHAT_TEMPLATE, SpecialTokens.BOS, SpecialTokens.EOS);
        ChatTemplate plain = new ChatTemplate(null, SpecialTokens.BOS, SpecialTokens.EOS);
        assertEquals(plain.render(msgs, false), jinja.render(msgs, false));
        assertEquals(plain.render(msgs.subList(0, 1), true), jinja.render(msgs.subList(0, 1), true));
        assertEquals("<|begin_of_text|><|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", jinja.render(msgs.subList(0, 1), true));

        // A Llama-2-style template: [INST] ... [/INST] answer </s>, with a role check.
        String llama2 = "{{ bos_token }}{% for message in messages %}"
                + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
                + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
                + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
                + "{% else %}{{ ' ' + message['content'] + ' ' + eos_token }}{% endif %}{% endfor %}";
        ChatTemplate t = new ChatTemplate(llama2, "<s>", "</s>");
        assertEquals("<s>[INST] Hi [/INST] Yo </s>", t.render(msgs, false));
        ChatTemplate.TemplateException ex = assertThrows(ChatTemplate.TemplateException.class,
                () -> t.render(List.of(new ChatMessage("assistant", "x", true)), false));
        assertTrue(ex.getMessage().contains("roles must alternate"), ex.getMessage());
    }

    @Test
    void batchPadsRightAndShiftsTargets() {
        EncodedExample a = new EncodedExample(new int[] {1, 10, 11, 12}, new int[] {-100, -100, 11, 12});
        EncodedExample b = new EncodedExample(new int[] {1, 20}, new int[] {-100, 20});
        Batch batch = new Batch(List.of(a, b), 0);
        assertEquals(4, batch.length());
        assertArrayEquals(new long[] {1, 10, 11, 12, 1, 20, 0, 0}, batch.ids());
        assertArrayEquals(new long[] {-100, 11, 12, -100, 20, -100, -100, -100}, batch.targets());
        assertEquals(6, batch.tokens());
        assertEquals(3, batch.targetTokens());
    }

    @Test
    void dataLoaderOrderDependsOnlyOnSeedAndEpoch() {
        List<EncodedExample> ex = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ex.add(new EncodedExample(new int[] {i, i}, new int[] {i, i}));
        }
        DataLoader a = new DataLoader(ex, 3, 7, true);
        List<Integer> firstIds = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            a.next().forEach(e -> firstIds.add(e.inputIds()[0]));
        }
        assertEquals(4, a.batchesPerEpoch());
        // epoch 0 is a permutation of 0..9; batches of 3,3,3,1 per epoch
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), firstIds.subList(0, 10).stream().sorted().toList());
        assertNotEquals(firstIds.subList(0, 10), firstIds.subList(10, 20), "each epoch has its own order");
        DataLoader b = new DataLoader(ex, 3, 7, true);
        b.seek(new DataLoader.Position(1, 3));
        List<Integer> resumed = new ArrayList<>();
        b.next().forEach(e -> resumed.add(e.inputIds()[0]));
        assertEquals(firstIds.subList(13, 16), resumed);
        DataLoader other = new DataLoader(ex, 3, 8, true);
        List<Integer> otherIds = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            other.next().forEach(e -> otherIds.add(e.inputIds()[0]));
        }
        assertNotEquals(firstIds.subList(0, 10), otherIds, "another seed, another order");
    }
}
