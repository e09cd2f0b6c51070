package dev.loraforge.engine.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.tokenizer.TokenizerGenerator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Tokenizer directories for tests: the generated BPE with another model family's special tokens and template. */
public final class TokenizerTestFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerTestFiles() {
    }

    /**
     * The demo-corpus BPE plus Llama 3's header and end-of-turn special tokens and Meta-Llama-3-Instruct's
     * chat template; BOS {@code <|begin_of_text|>}, EOS {@code eos}.
     */
    public static void llama3Style(Path dir, String eos) throws IOException {
        TokenizerGenerator.write(dir, DemoDatasets.tokenizerCorpus(), 4096);
        ObjectNode tokenizer = (ObjectNode) JSON.readTree(dir.resolve("tokenizer.json").toFile());
        ArrayNode added = (ArrayNode) tokenizer.get("added_tokens");
        int id = 0; // tokenizers numbers added tokens on from the vocabulary, so must this file
        for (var it = tokenizer.path("model").path("vocab").elements(); it.hasNext(); ) {
            id = Math.max(id, it.next().asInt() + 1);
        }
        for (var t : added) {
            id = Math.max(id, t.path("id").asInt() + 1);
        }
        for (String t : List.of("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|end_of_text|>")) {
            ObjectNode n = added.addObject();
            n.put("id", id++).put("content", t).put("single_word", false).put("lstrip", false).put("rstrip", false)
                    .put("normalized", false).put("special", true);
        }
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);
        ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        config.put("chat_template", AssistantSpansTest.LLAMA3).put("bos_token", "<|begin_of_text|>").put("eos_token", eos);
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
    }

    public static void llama3Style(Path dir) throws IOException {
        llama3Style(dir, "<|eot_id|>");
    }
}
