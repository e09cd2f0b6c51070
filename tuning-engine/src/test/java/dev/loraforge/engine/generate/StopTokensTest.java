package dev.loraforge.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.engine.data.TokenizerTestFiles;
import dev.loraforge.engine.model.GenerationDefaults;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.reference.TestModels;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generation stops on the chat template's end-of-turn token even when generation_config.json lacks it. */
class StopTokensTest {

    @TempDir
    Path dir;

    @Test
    void stopsOnTheTemplatesEndOfTurnTokenThatGenerationConfigLacks() throws Exception {
        // Llama 3 Instruct's first release: eos <|end_of_text|> everywhere, turns end with <|eot_id|>
        TokenizerTestFiles.llama3Style(dir, "<|end_of_text|>");
        try (ModelTokenizer tok = ModelTokenizer.load(dir)) {
            int eot = tok.tokenId("<|eot_id|>").orElseThrow();
            int endOfText = tok.tokenId("<|end_of_text|>").orElseThrow();
            LlamaConfig c = LlamaConfig.builder().vocabSize(tok.vocabSize()).numKeyValueHeads(2)
                    .tieWordEmbeddings(false).eosTokenIds(List.of(endOfText)).build();
            try (LlamaModel model = TestModels.load(dir, c, alwaysSays(c, eot))) {
                assertThat(GenerationDefaults.eosTokenIds(dir)).containsExactly(endOfText);
                assertThat(StopTokens.endOfTurnId(tok)).contains(eot);
                List<Integer> stops = StopTokens.of(model, tok);
                assertThat(stops).containsExactly(endOfText, eot);

                int[] prompt = tok.encode("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n");
                Generator g = new Generator(model);
                GenerationResult unaware = g.generate(prompt, null, GenerationOptions.greedy(3));
                assertThat(unaware.tokens()).as("the model's own EOS ids do not stop it").containsExactly(eot, eot, eot);
                GenerationResult stopped = g.generate(prompt, null, GenerationOptions.greedy(3).withEos(stops));
                assertThat(stopped.finishReason()).isEqualTo("stop");
                assertThat(stopped.tokens()).isEmpty();
            }
        }
    }

    /**
     * Weights whose greedy choice is always {@code token}: attention and MLP outputs are zero, so the
     * final hidden state is the (positive) embedding of the last token, and only {@code token}'s
     * LM-head row is non-zero (and positive).
     */
    private static Map<String, float[]> alwaysSays(LlamaConfig c, int token) {
        Map<String, float[]> w = TestModels.randomWeights(c, 7);
        w.replaceAll((name, v) -> {
            if (name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight")) {
                return new float[v.length];
            }
            if (name.equals("model.embed_tokens.weight")) {
                float[] abs = v.clone();
                for (int i = 0; i < abs.length; i++) {
                    abs[i] = Math.abs(abs[i]) + 0.01f;
                }
                return abs;
            }
            if (name.equals("model.norm.weight")) {
                float[] ones = new float[v.length];
                Arrays.fill(ones, 1f);
                return ones;
            }
            if (name.equals("lm_head.weight")) {
                float[] head = new float[v.length];
                Arrays.fill(head, token * c.hiddenSize(), (token + 1) * c.hiddenSize(), 1f);
                return head;
            }
            return v;
        });
        return w;
    }
}
