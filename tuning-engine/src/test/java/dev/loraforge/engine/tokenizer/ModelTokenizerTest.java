package dev.loraforge.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loraforge.engine.fixtures.DemoDatasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelTokenizerTest {

    @TempDir
    static Path dir;
    static int written;

    @BeforeAll
    static void generate() throws Exception {
        written = TokenizerGenerator.write(dir, DemoDatasets.tokenizerCorpus(), 4096);
    }

    @Test
    void roundTripsTextIncludingUnseenUnicode() throws Exception {
        try (ModelTokenizer tok = ModelTokenizer.load(dir)) {
            for (String text : List.of("Ahoy, matey! The sun be up.", "Zürich — naïve café ☕ 東京 🚀",
                    "  leading and trailing spaces  ", "tabs\tand\nnew lines\n\n", "1e-4 + 3.14 = ?")) {
                int[] ids = tok.encode(text);
                assertEquals(text, tok.decode(ids, false), "round trip of " + text);
                for (int id : ids) {
                    assertTrue(id >= SpecialTokens.ALL.size() && id < written, "plain text uses no special ids: " + id);
                }
            }
        }
    }

    @Test
    void commonWordsBecomeSingleTokensAndSpecialsKeepTheirIds() throws Exception {
        try (ModelTokenizer tok = ModelTokenizer.load(dir)) {
            assertEquals(2, tok.encode(" the sea").length, "' the' and ' sea' are merged words of the corpus");
            int[] withSpecial = tok.encodeWithSpecialTokens("hello");
            assertEquals(SpecialTokens.BOS_ID, withSpecial[0]);
            int[] chat = tok.encode("<|im_start|>user\nhi<|im_end|>");
            assertEquals(SpecialTokens.IM_START_ID, chat[0]);
            assertEquals(SpecialTokens.EOS_ID, chat[chat.length - 1]);
            assertEquals(1, tok.bosId().orElseThrow());
            assertEquals(2, tok.eosId().orElseThrow());
            assertEquals(0, tok.padId());
            assertEquals(written, tok.vocabSize());
            assertTrue(tok.chatTemplate().orElseThrow().contains("<|im_start|>"));
            int[] hi = tok.encodeWithSpecialTokens("hi there");
            assertEquals("hi there", tok.decode(hi, true));
            assertEquals(SpecialTokens.BOS + "hi there", tok.decode(hi, false));
        }
    }

    @Test
    void loadsAForeignUnigramTokenizerWithoutConfig() throws Exception {
        Path other = Files.createTempDirectory("unigram");
        Files.writeString(other.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null,"
                + " \"added_tokens\": [], \"normalizer\": null, \"pre_tokenizer\": null, \"post_processor\": null, \"decoder\": null,"
                + " \"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.0], [\"b\", -2.0], [\"ab\", -0.5]]}}");
        try (ModelTokenizer tok = ModelTokenizer.load(other)) {
            assertEquals(4, tok.vocabSize());
            assertEquals(3, tok.tokenId("ab").orElseThrow());
            assertArrayEquals(new int[] {3, 1}, tok.encode("aba"));
            assertTrue(tok.bosId().isEmpty() && tok.eosId().isEmpty() && tok.chatTemplate().isEmpty());
            assertEquals(0, tok.padId(), "no pad or eos: pad with 0 (masked anyway)");
        }
    }

    @Test
    void generationIsDeterministic() throws Exception {
        Path other = Files.createTempDirectory("tok2");
        TokenizerGenerator.write(other, DemoDatasets.tokenizerCorpus(), 4096);
        assertArrayEquals(Files.readAllBytes(dir.resolve("tokenizer.json")), Files.readAllBytes(other.resolve("tokenizer.json")));
        assertTrue(written > 1000 && written <= 4096, "vocabulary of a few thousand, got " + written);
    }
}
