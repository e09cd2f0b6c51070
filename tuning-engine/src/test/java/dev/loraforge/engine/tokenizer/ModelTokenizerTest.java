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
    void tokenBytesOfAByteLevelVocabularyConcatenateToTheTextsUtf8() throws Exception {
        try (ModelTokenizer tok = ModelTokenizer.load(dir)) {
            String text = "<|im_start|>Zürich — naïve café ☕ 東京 🚀 the sea";
            int[] ids = tok.encode(text);
            java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
            boolean partial = false;
            for (int id : ids) {
                byte[] bytes = tok.tokenBytes(id);
                joined.writeBytes(bytes);
                java.nio.charset.CharsetDecoder strict = java.nio.charset.StandardCharsets.UTF_8.newDecoder();
                try {
                    strict.decode(java.nio.ByteBuffer.wrap(bytes));
                } catch (java.nio.charset.CharacterCodingException e) {
                    partial = true;
                }
            }
            assertArrayEquals(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), joined.toByteArray());
            assertTrue(partial, "some token holds part of a character (the unseen emoji is split into bytes)");
            assertArrayEquals("<|im_start|>".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    tok.tokenBytes(SpecialTokens.IM_START_ID), "an added token is its text");
            assertArrayEquals(" sea".getBytes(java.nio.charset.StandardCharsets.UTF_8), tok.tokenBytes(tok.encode(" sea")[0]));
            assertEquals(0, tok.tokenBytes(tok.vocabSize() + 5).length, "a padding row of the embedding has no text");
        }
    }

    @Test
    void tokenBytesOfASentencePieceVocabularyTurnTheMarkerIntoASpaceAndFallbackTokensIntoBytes() throws Exception {
        Path sp = Files.createTempDirectory("sentencepiece");
        Files.writeString(sp.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null,"
                + " \"added_tokens\": [{\"id\": 6, \"content\": \"</s>\", \"single_word\": false, \"lstrip\": false,"
                + " \"rstrip\": false, \"normalized\": false, \"special\": true}], \"normalizer\": null,"
                + " \"pre_tokenizer\": null, \"post_processor\": null,"
                + " \"decoder\": {\"type\": \"Sequence\", \"decoders\": [{\"type\": \"Replace\", \"pattern\": {\"String\":"
                + " \"\u2581\"}, \"content\": \" \"}, {\"type\": \"ByteFallback\"}, {\"type\": \"Fuse\"}]},"
                + " \"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": \"<unk>\", \"byte_fallback\": true,"
                + " \"vocab\": {\"<unk>\": 0, \"\u2581ab\": 1, \"c\": 2, \"<0xE2>\": 3, \"<0x98>\": 4, \"<0x95>\": 5},"
                + " \"merges\": []}}");
        try (ModelTokenizer tok = ModelTokenizer.load(sp)) {
            assertArrayEquals(" ab".getBytes(java.nio.charset.StandardCharsets.UTF_8), tok.tokenBytes(1));
            assertArrayEquals(new byte[] {(byte) 0xE2}, tok.tokenBytes(3));
            int[] ids = {1, 2, 3, 4, 5, 1, 6};
            java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
            for (int id : ids) {
                joined.writeBytes(tok.tokenBytes(id));
            }
            assertEquals(tok.decode(ids, false), joined.toString(java.nio.charset.StandardCharsets.UTF_8),
                    "the bytes are what the model's own decoder makes of the sequence");
            assertEquals(" abc\u2615 ab</s>", tok.decode(ids, false));
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
