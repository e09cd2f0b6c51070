package dev.loraforge.engine.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a Hugging Face tokenizer ({@code tokenizer.json}, {@code tokenizer_config.json},
 * {@code special_tokens_map.json}) trained deterministically as a byte-level BPE on the given texts.
 * The files follow the {@code tokenizers} serialization (model {@code BPE}, {@code ByteLevel}
 * pre-tokenizer and decoder, a {@code TemplateProcessing} post-processor that prepends BOS as Llama's
 * does); the Rust {@code tokenizers} library (0.21, through DJL) loads them, which the tests check.
 */
public final class TokenizerGenerator {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TokenizerGenerator() {
    }

    /**
     * Trains on {@code texts} and writes the tokenizer files into {@code dir}.
     *
     * @param vocabSize the vocabulary size to aim for (special tokens + 256 bytes + merges); the
     *                  result is smaller when the corpus runs out of pairs to merge
     * @return the vocabulary size actually written
     */
    public static int write(Path dir, Iterable<String> texts, int vocabSize, int modelMaxLength) throws IOException {
        int specials = SpecialTokens.ALL.size();
        if (vocabSize < specials + 256) {
            throw new IllegalArgumentException("vocabSize must be at least " + (specials + 256) + ", got " + vocabSize);
        }
        BpeTrainer.Result bpe = new BpeTrainer(vocabSize - specials, 1).train(texts);
        Files.createDirectories(dir);

        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < specials; i++) {
            ObjectNode t = added.addObject();
            t.put("id", i);
            t.put("content", SpecialTokens.ALL.get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", false);
        pre.put("trim_offsets", true);
        pre.put("use_regex", true);
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", SpecialTokens.BOS).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", SpecialTokens.BOS).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", SpecialTokens.BOS).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bosSpec = post.putObject("special_tokens").putObject(SpecialTokens.BOS);
        bosSpec.put("id", SpecialTokens.BOS);
        bosSpec.putArray("ids").add(SpecialTokens.BOS_ID);
        bosSpec.putArray("tokens").add(SpecialTokens.BOS);
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", true);
        decoder.put("trim_offsets", true);
        decoder.put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < specials; i++) {
            vocab.put(SpecialTokens.ALL.get(i), i);
        }
        for (Map.Entry<String, Integer> e : BpeTrainer.vocab(bpe.symbols(), specials).entrySet()) {
            if (vocab.has(e.getKey())) {
                throw new IllegalStateException("BPE symbol collides with a special token: " + e.getKey());
            }
            vocab.put(e.getKey(), e.getValue());
        }
        ArrayNode merges = model.putArray("merges");
        for (String[] m : bpe.merges()) {
            merges.add(m[0] + " " + m[1]);
        }
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), root);

        ObjectNode config = JSON.createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("bos_token", SpecialTokens.BOS);
        config.put("eos_token", SpecialTokens.EOS);
        config.put("pad_token", SpecialTokens.PAD);
        config.putNull("unk_token");
        config.put("add_bos_token", true);
        config.put("add_eos_token", false);
        config.put("clean_up_tokenization_spaces", false);
        config.put("model_max_length", modelMaxLength);
        config.put("chat_template", SpecialTokens.CHAT_TEMPLATE);
        ObjectNode decoderMap = config.putObject("added_tokens_decoder");
        for (int i = 0; i < specials; i++) {
            ObjectNode t = decoderMap.putObject(Integer.toString(i));
            t.put("content", SpecialTokens.ALL.get(i));
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", true);
        }
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);

        ObjectNode map = JSON.createObjectNode();
        map.put("bos_token", SpecialTokens.BOS);
        map.put("eos_token", SpecialTokens.EOS);
        map.put("pad_token", SpecialTokens.PAD);
        map.putArray("additional_special_tokens").add(SpecialTokens.IM_START);
        JSON.writeValue(dir.resolve("special_tokens_map.json").toFile(), map);
        return specials + bpe.symbols().size();
    }

    /** Convenience for a single corpus string list. */
    public static int write(Path dir, List<String> texts, int vocabSize) throws IOException {
        return write(dir, texts, vocabSize, 2048);
    }
}
