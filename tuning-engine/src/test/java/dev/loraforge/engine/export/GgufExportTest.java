package dev.loraforge.engine.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.io.HalfFloats;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.model.Family;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.ModelFixtures;
import dev.loraforge.engine.model.RopeScaling;
import dev.loraforge.engine.model.WeightLayout;
import dev.loraforge.engine.quant.ModelQuantizer;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.reference.TestModels;
import dev.loraforge.engine.tokenizer.TokenizerGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF export of tiny random llama, mistral and qwen2 directories, read back by the independent {@link GgufFile}
 * and checked against config.json, tokenizer.json, tokenizer_config.json and the safetensors values.
 */
class GgufExportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Llama 3's and Qwen2's split regexes as their tokenizer.json files spell them. */
    private static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
            + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|"
            + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final int VOCAB = 4160; // beyond the generated tokenizer's ids: the rest is padding

    @TempDir
    Path tmp;

    @Test
    void llamaUntiedBf16WithBiasesIsWrittenAsLlamaCppConverts() throws Exception {
        LlamaConfig c = LlamaConfig.builder().vocabSize(VOCAB).hiddenSize(32).intermediateSize(48).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).attentionBias(true).mlpBias(true).tieWordEmbeddings(false)
                .maxPositionEmbeddings(512).rmsNormEps(1e-5).ropeTheta(500_000).torchDtype("bfloat16")
                .bosTokenId(1).eosTokenIds(List.of(2)).padTokenId(0).build();
        Path dir = tmp.resolve("tiny-llama");
        TestModels.write(dir, c, TestModels.randomWeights(c, 11), SafeDType.BF16);
        writeTokenizer(dir, LLAMA3_REGEX, true);

        Path out = tmp.resolve("out/tiny.gguf");
        GgufExport.Result r = GgufExport.write(dir, out, "Tiny Llama");
        GgufFile g = GgufFile.read(out);

        assertThat(g.version).isEqualTo(3);
        assertThat(r.architecture()).isEqualTo("llama");
        assertThat(r.bytes()).isEqualTo(Files.size(out)).isEqualTo(g.size);
        assertThat(r.tensors()).isEqualTo(g.tensors.size());
        assertThat(g.value("general.architecture")).isEqualTo("llama");
        assertThat(g.value("general.name")).isEqualTo("Tiny Llama");
        assertUInt32(g, "general.alignment", 32);
        assertUInt32(g, "general.file_type", 1);
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        assertUInt32(g, "llama.context_length", config.get("max_position_embeddings").asLong());
        assertUInt32(g, "llama.embedding_length", config.get("hidden_size").asLong());
        assertUInt32(g, "llama.block_count", config.get("num_hidden_layers").asLong());
        assertUInt32(g, "llama.feed_forward_length", config.get("intermediate_size").asLong());
        assertUInt32(g, "llama.attention.head_count", config.get("num_attention_heads").asLong());
        assertUInt32(g, "llama.attention.head_count_kv", config.get("num_key_value_heads").asLong());
        assertUInt32(g, "llama.vocab_size", config.get("vocab_size").asLong());
        assertUInt32(g, "llama.rope.dimension_count", 8);
        assertFloat32(g, "llama.attention.layer_norm_rms_epsilon", (float) config.get("rms_norm_eps").asDouble());
        assertFloat32(g, "llama.rope.freq_base", (float) config.get("rope_theta").asDouble());
        assertThat(g.kv).doesNotContainKeys("llama.rope.scaling.type", "llama.attention.sliding_window");

        assertTokenizer(g, dir, "llama-bpe");
        assertUInt32(g, "tokenizer.ggml.bos_token_id", 1);      // tokenizer_config's <|begin_of_text|>
        assertUInt32(g, "tokenizer.ggml.eos_token_id", 2);      // <|im_end|>
        assertUInt32(g, "tokenizer.ggml.padding_token_id", 0);  // <|pad|>
        assertThat(g.kv).doesNotContainKey("tokenizer.ggml.unknown_token_id");
        assertThat(g.value("tokenizer.ggml.add_bos_token")).isEqualTo(true);
        assertThat(g.value("tokenizer.ggml.add_eos_token")).isEqualTo(false);
        JsonNode tc = JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        assertThat(g.value("tokenizer.chat_template")).isEqualTo(tc.get("chat_template").asText());

        List<String> expectedNames = new ArrayList<>(List.of("token_embd.weight"));
        for (int l = 0; l < 2; l++) {
            for (String m : List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")) {
                expectedNames.add("blk." + l + "." + m + ".weight");
                expectedNames.add("blk." + l + "." + m + ".bias");
            }
            expectedNames.add("blk." + l + ".attn_norm.weight");
            expectedNames.add("blk." + l + ".ffn_norm.weight");
        }
        expectedNames.addAll(List.of("output_norm.weight", "output.weight"));
        assertThat(g.tensors.keySet()).containsExactlyInAnyOrderElementsOf(expectedNames);
        assertThat(g.tensors.get("blk.0.attn_q.weight").ne()).containsExactly(32, 32);
        assertThat(g.tensors.get("blk.0.attn_k.weight").ne()).containsExactly(32, 16);     // (in, out): PyTorch reversed
        assertThat(g.tensors.get("blk.1.ffn_down.weight").ne()).containsExactly(48, 32);
        assertThat(g.tensors.get("token_embd.weight").ne()).containsExactly(32, VOCAB);
        assertThat(g.tensors.get("blk.0.attn_k.bias").ne()).containsExactly(16);
        assertLayout(g);
        assertAllData(g, dir, c, true);

        // the permutation by index arithmetic: ggml row h*hd + 2i + j is Hugging Face row h*hd + j*hd/2 + i
        try (SafeTensorsReader st = SafeTensorsReader.openModel(dir)) {
            float[] hf = st.readFloats("model.layers.1.self_attn.k_proj.weight");   // (2 kv heads * 8, 32)
            int[] gg = g.bits("blk.1.attn_k.weight");
            int h = 1;
            int i = 1;      // ggml row 3 of the head is Hugging Face row 5
            int j = 1;
            int col = 5;
            assertThat(gg[(h * 8 + 2 * i + j) * 32 + col]).isEqualTo(f16(hf[(h * 8 + j * 4 + i) * 32 + col]));
            assertThat(gg[(h * 8 + 2 * i + j) * 32 + col]).isNotEqualTo(f16(hf[(h * 8 + 2 * i + j) * 32 + col]));
            // undoing it (reshape (n, hd/2, 2, in), swap the middle axes back) gives Hugging Face's tensors
            assertThat(unpermute(g.bits("blk.0.attn_q.weight"), 4, 32)).isEqualTo(f16(st.readFloats("model.layers.0.self_attn.q_proj.weight")));
            assertThat(unpermute(g.bits("blk.0.attn_k.weight"), 2, 32)).isEqualTo(f16(st.readFloats("model.layers.0.self_attn.k_proj.weight")));
            assertThat(unpermute(g.bits("blk.0.attn_q.bias"), 4, 1)).isEqualTo(f32(st.readFloats("model.layers.0.self_attn.q_proj.bias")));
            assertThat(g.bits("blk.0.attn_v.weight")).isEqualTo(f16(st.readFloats("model.layers.0.self_attn.v_proj.weight")));
            assertThat(g.bits("blk.0.attn_q.bias")).isNotEqualTo(f32(st.readFloats("model.layers.0.self_attn.q_proj.bias")));
        }
    }

    @Test
    void qwen2TiedIsNotPermutedHasNoOutputAndTakesNamedTemplatesAndConfigIds() throws Exception {
        LlamaConfig c = LlamaConfig.builder().modelType("qwen2").vocabSize(VOCAB).hiddenSize(32).intermediateSize(64)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(2).tieWordEmbeddings(true)
                .maxPositionEmbeddings(1024).rmsNormEps(1e-6).ropeTheta(1_000_000).bosTokenId(1).eosTokenIds(List.of(2))
                .build();
        Path dir = tmp.resolve("qwen");
        TestModels.write(dir, c, TestModels.randomWeights(c, 5), SafeDType.F32);
        writeTokenizer(dir, QWEN2_REGEX, false);
        ObjectNode tc = (ObjectNode) JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        tc.putNull("bos_token");   // as Qwen2's: the BOS id then comes from config.json
        tc.remove("add_bos_token");
        tc.remove("add_eos_token");
        ArrayNode templates = tc.putArray("chat_template");
        templates.addObject().put("name", "tool use").put("template", "{{ tools }}");
        templates.addObject().put("name", "default").put("template", "{{ messages }}");
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), tc);
        ObjectNode tok = (ObjectNode) JSON.readTree(dir.resolve("tokenizer.json").toFile());
        tok.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false)
                .put("use_regex", false);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tok);

        Path out = tmp.resolve("qwen.gguf");
        GgufExport.write(dir, out, null);
        GgufFile g = GgufFile.read(out);

        assertThat(g.value("general.architecture")).isEqualTo("qwen2");
        assertThat(g.value("general.name")).isEqualTo("qwen");
        assertUInt32(g, "qwen2.context_length", 1024);
        assertUInt32(g, "qwen2.attention.head_count_kv", 2);
        assertFloat32(g, "qwen2.rope.freq_base", 1_000_000f);
        assertFloat32(g, "qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
        assertThat(g.kv).doesNotContainKeys("qwen2.vocab_size", "qwen2.rope.dimension_count", "llama.vocab_size",
                "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token", "tokenizer.ggml.add_space_prefix");
        assertTokenizer(g, dir, "qwen2");
        assertUInt32(g, "tokenizer.ggml.bos_token_id", 1);       // config.json's bos_token_id
        assertUInt32(g, "tokenizer.ggml.eos_token_id", 2);
        assertThat(g.value("tokenizer.chat_template")).isEqualTo("{{ messages }}");
        assertThat(g.value("tokenizer.chat_template.tool_use")).isEqualTo("{{ tools }}");
        assertThat(g.strings("tokenizer.chat_templates")).containsExactly("tool_use");

        assertThat(g.tensors).doesNotContainKey("output.weight").containsKeys("token_embd.weight", "blk.1.attn_q.bias");
        assertThat(g.tensors.get("blk.1.attn_q.bias").type()).isEqualTo(0);
        assertLayout(g);
        assertAllData(g, dir, c, false);   // every q/k tensor in Hugging Face's order
    }

    @Test
    void shardedMistralIsWrittenAsArchitectureLlamaWithPermutedQueries() throws Exception {
        LlamaConfig c = LlamaConfig.builder().modelType("mistral").vocabSize(VOCAB).hiddenSize(32).intermediateSize(64)
                .numHiddenLayers(2).numAttentionHeads(4).numKeyValueHeads(1).slidingWindow(64).torchDtype("float16").tieWordEmbeddings(true)
                .maxPositionEmbeddings(256).build();
        Path dir = tmp.resolve("mistral");
        ModelFixtures.writeRandomModel(dir, c, 3, 40_000);
        TokenizerGenerator.write(dir, DemoDatasets.tokenizerCorpus(), 4096);
        assertThat(dir.resolve("model.safetensors.index.json")).exists();

        GgufExport.write(dir, tmp.resolve("m.gguf"), "m");
        GgufFile g = GgufFile.read(tmp.resolve("m.gguf"));
        assertThat(g.value("general.architecture")).isEqualTo("llama");
        assertThat(g.value("tokenizer.ggml.pre")).isEqualTo("gpt-2");   // ByteLevel with GPT-2's regex
        assertThat(g.kv.keySet()).noneMatch(k -> k.contains("sliding_window"));
        assertThat(g.tensors).doesNotContainKey("output.weight");      // tied: llama.cpp reuses token_embd
        assertLayout(g);
        assertAllData(g, dir, c, true);
    }

    @Test
    void llama3RopeScalingBecomesRopeFreqsAndLinearScalingItsKeys() throws Exception {
        RopeScaling llama3 = new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192);
        LlamaConfig c = LlamaConfig.builder().vocabSize(VOCAB).hiddenSize(64).numAttentionHeads(2).numKeyValueHeads(1)
                .ropeTheta(500_000).ropeScaling(llama3).build();    // head_dim 32: all three branches of the rule
        Path dir = tmp.resolve("llama3");
        TestModels.write(dir, c, TestModels.randomWeights(c, 2), SafeDType.F32);
        TokenizerGenerator.write(dir, DemoDatasets.tokenizerCorpus(), 4096);
        GgufExport.write(dir, tmp.resolve("l3.gguf"), "l3");
        GgufFile g = GgufFile.read(tmp.resolve("l3.gguf"));
        assertThat(g.kv).doesNotContainKeys("llama.rope.scaling.type", "llama.rope.scaling.factor");
        GgufFile.Info info = g.tensors.get("rope_freqs.weight");
        assertThat(info.ne()).containsExactly(16);
        assertThat(info.type()).isEqualTo(0);
        int[] bits = g.bits("rope_freqs.weight");
        float[] unscaled = RopeScaling.inverseFrequencies(32, 500_000, null);
        float[] scaled = RopeScaling.inverseFrequencies(32, 500_000, llama3);   // transformers' llama3 frequencies
        boolean sawOne = false;
        boolean sawFactor = false;
        boolean sawBlend = false;
        for (int i = 0; i < 16; i++) {
            float factor = Float.intBitsToFloat(bits[i]);
            double freq = 1.0 / Math.pow(500_000, 2.0 * i / 32);
            double wavelen = 2 * Math.PI / freq;
            double expected = wavelen < 8192 / 4.0 ? 1 : wavelen > 8192 / 1.0 ? 8
                    : 1 / ((1 - (8192 / wavelen - 1) / 3) / 8 + (8192 / wavelen - 1) / 3);
            assertThat((double) factor).isCloseTo(expected, org.assertj.core.data.Percentage.withPercentage(1e-4));
            assertThat((double) unscaled[i] / factor).isCloseTo(scaled[i], org.assertj.core.data.Percentage.withPercentage(1e-4));
            sawOne |= expected == 1;
            sawFactor |= expected == 8;
            sawBlend |= expected != 1 && expected != 8;
        }
        assertThat(sawOne && sawFactor && sawBlend).isTrue();
        assertLayout(g);

        LlamaConfig linear = c.toBuilder().ropeScaling(new RopeScaling("linear", 2.0, 1, 4, 8192)).build();
        Path dir2 = tmp.resolve("linear");
        TestModels.write(dir2, linear, TestModels.randomWeights(linear, 2), SafeDType.F32);
        TokenizerGenerator.write(dir2, DemoDatasets.tokenizerCorpus(), 4096);
        GgufExport.write(dir2, tmp.resolve("lin.gguf"), "lin");
        GgufFile lin = GgufFile.read(tmp.resolve("lin.gguf"));
        assertThat(lin.value("llama.rope.scaling.type")).isEqualTo("linear");
        assertFloat32(lin, "llama.rope.scaling.factor", 2f);
        assertThat(lin.tensors).doesNotContainKey("rope_freqs.weight");
    }

    @Test
    void otherFamiliesAndQuantizedBasesAreRefusedNamingThem() throws Exception {
        for (Family f : List.of(Family.QWEN3, Family.GEMMA2, Family.GEMMA3_TEXT, Family.PHI3)) {
            Path dir = tmp.resolve(f.modelType());
            TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, f, dir, 1);
            assertThatThrownBy(() -> GgufExport.write(dir, tmp.resolve(f.modelType() + ".gguf"), null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + f.modelType() + "'").hasMessageContaining("merged safetensors export");
            assertThat(tmp.resolve(f.modelType() + ".gguf")).doesNotExist();
        }
        Path base = tmp.resolve("base");
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, base, 1);
        Path nf4 = tmp.resolve("nf4");
        ModelQuantizer.quantize(base, QuantScheme.parse("nf4"), nf4);
        assertThatThrownBy(() -> GgufExport.write(nf4, tmp.resolve("nf4.gguf"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quantization_config").hasMessageContaining("nf4")
                .hasMessageContaining("merged safetensors export");
        assertThat(tmp.resolve("nf4.gguf")).doesNotExist();
    }

    @Test
    void tokenizersLlamaCppWouldNotReproduceAreRefused() throws Exception {
        Path dir = tmp.resolve("spm-like");
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, dir, 1);
        ObjectNode tok = (ObjectNode) JSON.readTree(dir.resolve("tokenizer.json").toFile());
        ((ObjectNode) tok.get("model")).put("byte_fallback", true);
        tok.putObject("decoder").put("type", "Sequence");
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tok);
        assertThatThrownBy(() -> GgufExport.write(dir, tmp.resolve("a.gguf"), null))
                .hasMessageContaining("not a byte-level BPE tokenizer").hasMessageContaining("--format merged");

        Path other = tmp.resolve("other-regex");
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, other, 1);
        writeTokenizer(other, "\\p{N}+| ?\\p{L}+", false);
        assertThatThrownBy(() -> GgufExport.write(other, tmp.resolve("b.gguf"), null))
                .hasMessageContaining("pre_tokenizer").hasMessageContaining("\\\\p{N}+");
        assertThat(tmp.resolve("a.gguf")).doesNotExist();
        assertThat(tmp.resolve("b.gguf")).doesNotExist();
    }

    @Test
    void aBf16ValueBeyondFloat16IsRefusedNamingTheTensorAndNothingIsLeft() throws Exception {
        LlamaConfig c = LlamaConfig.builder().vocabSize(VOCAB).torchDtype("bfloat16").build();
        Map<String, float[]> w = TestModels.randomWeights(c, 4);
        w.get("model.layers.1.mlp.up_proj.weight")[7] = 1.0e6f;
        Path dir = tmp.resolve("big");
        TestModels.write(dir, c, w, SafeDType.BF16);
        TokenizerGenerator.write(dir, DemoDatasets.tokenizerCorpus(), 4096);
        Path out = tmp.resolve("x/big.gguf");
        assertThatThrownBy(() -> GgufExport.write(dir, out, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model.layers.1.mlp.up_proj.weight").hasMessageContaining("blk.1.ffn_up.weight")
                .hasMessageContaining("element 7").hasMessageContaining("float16");
        try (Stream<Path> left = Files.list(out.getParent())) {
            assertThat(left).isEmpty();
        }
    }

    // ---- helpers ----

    /**
     * The generated byte-level BPE with {@code regex} as a Llama-3-style split before a ByteLevel step (null keeps
     * GPT-2's ByteLevel), its merges in the ["a", "b"] pair form when {@code pairMerges}, and four more added tokens:
     * special, non-special, non-special that looks special, and non-special with a metaspace.
     */
    private static void writeTokenizer(Path dir, String regex, boolean pairMerges) throws IOException {
        if (!Files.exists(dir.resolve("tokenizer.json"))) {
            TokenizerGenerator.write(dir, DemoDatasets.tokenizerCorpus(), 4096);
        }
        ObjectNode tok = (ObjectNode) JSON.readTree(dir.resolve("tokenizer.json").toFile());
        ObjectNode pre = tok.putObject("pre_tokenizer").put("type", "Sequence");
        ArrayNode steps = pre.putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", regex);
        split.put("behavior", "Isolated").put("invert", false);
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", false);
        ObjectNode model = (ObjectNode) tok.get("model");
        if (pairMerges) {
            ArrayNode pairs = JSON.createArrayNode();
            model.get("merges").forEach(m -> pairs.addArray().add(m.asText().split(" ")[0]).add(m.asText().split(" ")[1]));
            model.set("merges", pairs);
        }
        int next = 0;
        for (var it = model.get("vocab").elements(); it.hasNext(); ) {
            next = Math.max(next, it.next().asInt() + 1);
        }
        ArrayNode added = (ArrayNode) tok.get("added_tokens");
        String[][] extra = {{"<|eot_id|>", "true"}, {"<tool_call>", "false"}, {"<|fim_prefix|>", "false"}, {"\u2581hi\u2581there", "false"}};
        for (String[] e : extra) {
            added.addObject().put("id", next++).put("content", e[0]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", Boolean.parseBoolean(e[1]));
        }
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tok);
    }

    /** Tokens, types and merges against tokenizer.json, by the rules of convert_hf_to_gguf.py's get_vocab_base. */
    private static void assertTokenizer(GgufFile g, Path dir, String pre) throws IOException {
        JsonNode tok = JSON.readTree(dir.resolve("tokenizer.json").toFile());
        assertThat(g.value("tokenizer.ggml.model")).isEqualTo("gpt2");
        assertThat(g.value("tokenizer.ggml.pre")).isEqualTo(pre);
        List<String> tokens = g.strings("tokenizer.ggml.tokens");
        int[] types = g.ints("tokenizer.ggml.token_type");
        assertThat(tokens).hasSize(VOCAB);
        assertThat(types).hasSize(VOCAB);
        Map<Integer, String> expected = new HashMap<>();
        tok.get("model").get("vocab").fields().forEachRemaining(e -> expected.put(e.getValue().asInt(), e.getKey()));
        Map<Integer, JsonNode> added = new HashMap<>();
        tok.get("added_tokens").forEach(t -> added.put(t.get("id").asInt(), t));
        int normal = 0;
        for (int id = 0; id < VOCAB; id++) {
            JsonNode a = added.get(id);
            if (a != null) {
                String content = a.get("content").asText();
                boolean control = a.get("special").asBoolean() || (content.startsWith("<|") && content.endsWith("|>"));
                assertThat(types[id]).as("type of %s", content).isEqualTo(control ? 3 : 4);
                assertThat(tokens.get(id)).isEqualTo(control ? content : content.replace('\u2581', ' '));
            } else if (expected.containsKey(id)) {
                assertThat(tokens.get(id)).isEqualTo(expected.get(id));
                assertThat(types[id]).isEqualTo(1);
                normal++;
            } else {
                assertThat(tokens.get(id)).isEqualTo("[PAD" + id + "]");
                assertThat(types[id]).isEqualTo(5);
            }
        }
        assertThat(normal).isGreaterThan(2000);
        assertThat(tokens).contains("[PAD" + (VOCAB - 1) + "]", "<tool_call>", " hi there");
        List<String> merges = new ArrayList<>();
        tok.get("model").get("merges").forEach(m -> merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText()));
        assertThat(merges).hasSizeGreaterThan(2000);
        assertThat(g.strings("tokenizer.ggml.merges")).isEqualTo(merges);
    }

    /** Every tensor: ggml's ne order, F16 for matrices and F32 for vectors, values equal to the safetensors ones rounded. */
    private static void assertAllData(GgufFile g, Path dir, LlamaConfig c, boolean permuted) throws IOException {
        try (SafeTensorsReader st = SafeTensorsReader.openModel(dir)) {
            for (Map.Entry<String, long[]> e : WeightLayout.of(c).entrySet()) {
                String name = ggufName(e.getKey());
                GgufFile.Info info = g.tensors.get(name);
                long[] shape = e.getValue();
                assertThat(info).as(name).isNotNull();
                long[] reversed = new long[shape.length];
                for (int i = 0; i < shape.length; i++) {
                    reversed[i] = shape[shape.length - 1 - i];
                }
                assertThat(info.ne()).as(name).containsExactly(reversed);
                assertThat(info.type()).as(name).isEqualTo(shape.length == 2 ? 1 : 0);
                float[] hf = st.readFloats(e.getKey());
                int[] want = shape.length == 2 ? f16(hf) : f32(hf);
                int heads = !permuted ? 0 : e.getKey().contains("q_proj") ? c.numAttentionHeads()
                        : e.getKey().contains("k_proj") ? c.numKeyValueHeads() : 0;
                int[] got = heads == 0 ? g.bits(name) : unpermute(g.bits(name), heads, shape.length == 2 ? (int) shape[1] : 1);
                assertThat(got).as(name).isEqualTo(want);
            }
        }
    }

    private static String ggufName(String hf) {
        Map<String, String> fixed = Map.of("model.embed_tokens.weight", "token_embd.weight", "model.norm.weight",
                "output_norm.weight", "lm_head.weight", "output.weight");
        if (fixed.containsKey(hf)) {
            return fixed.get(hf);
        }
        Map<String, String> modules = new LinkedHashMap<>();
        modules.put("self_attn.q_proj", "attn_q");
        modules.put("self_attn.k_proj", "attn_k");
        modules.put("self_attn.v_proj", "attn_v");
        modules.put("self_attn.o_proj", "attn_output");
        modules.put("mlp.gate_proj", "ffn_gate");
        modules.put("mlp.up_proj", "ffn_up");
        modules.put("mlp.down_proj", "ffn_down");
        modules.put("input_layernorm", "attn_norm");
        modules.put("post_attention_layernorm", "ffn_norm");
        String rest = hf.substring("model.layers.".length());
        String layer = rest.substring(0, rest.indexOf('.'));
        String module = rest.substring(layer.length() + 1, rest.lastIndexOf('.'));
        return "blk." + layer + "." + modules.get(module) + hf.substring(hf.lastIndexOf('.'));
    }

    /**
     * The inverse of convert_hf_to_gguf's permute: view the rows as (n_head, hd/2, 2) and swap the last two axes back
     * to (n_head, 2, hd/2), i.e. Hugging Face's two halves per head.
     */
    private static int[] unpermute(int[] ggml, int heads, int cols) {
        int rows = ggml.length / cols;
        int hd = rows / heads;
        int[] out = new int[ggml.length];
        for (int h = 0; h < heads; h++) {
            for (int half = 0; half < hd / 2; half++) {
                for (int two = 0; two < 2; two++) {
                    int from = h * hd + half * 2 + two;      // (h, half, two) in ggml's layout
                    int to = h * hd + two * (hd / 2) + half; // (h, two, half) in Hugging Face's
                    System.arraycopy(ggml, from * cols, out, to * cols, cols);
                }
            }
        }
        return out;
    }

    /** Tensor offsets 32-aligned and packed as ggml requires, zero padding, the file ending after the last padding. */
    private static void assertLayout(GgufFile g) {
        assertThat(g.alignment).isEqualTo(32);
        assertThat(g.dataStart % 32).isZero();
        GgufFile.Info last = null;
        for (GgufFile.Info t : g.tensors.values()) {
            assertThat(t.offset() % 32).as(t.name()).isZero();
            byte[] padding = g.paddingAfter(t.name());
            assertThat(padding).as(t.name()).isEqualTo(new byte[padding.length]);
            last = t;
        }
        assertThat(last).isNotNull();
        assertThat(g.size).isEqualTo(g.dataStart + last.offset() + g.pad(last.bytes()));
    }

    private static void assertUInt32(GgufFile g, String key, long value) {
        assertThat(g.type(key)).as(key).isEqualTo(4);
        assertThat(g.value(key)).as(key).isEqualTo(value);
    }

    private static void assertFloat32(GgufFile g, String key, float value) {
        assertThat(g.type(key)).as(key).isEqualTo(6);
        assertThat(g.value(key)).as(key).isEqualTo(value);
    }

    private static int f16(float v) {
        return HalfFloats.f32ToF16(v) & 0xFFFF;
    }

    private static int[] f16(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = f16(v[i]);
        }
        return out;
    }

    private static int[] f32(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }
}
