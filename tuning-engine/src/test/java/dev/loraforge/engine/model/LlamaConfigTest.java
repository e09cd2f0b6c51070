package dev.loraforge.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json parsing, defaults per architecture, refusals naming the field, round trip. */
class LlamaConfigTest {

    @TempDir
    Path dir;

    @Test
    void parsesQwen2WithDefaultsAndEosList() {
        LlamaConfig c = LlamaConfig.fromJson("""
                {"model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896, "intermediate_size": 4864,
                 "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
                 "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "tie_word_embeddings": true,
                 "use_sliding_window": false, "sliding_window": 32768, "max_window_layers": 21,
                 "torch_dtype": "bfloat16", "bos_token_id": 151643, "eos_token_id": [151645, 151643]}
                """, "config.json");
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.kvGroups()).isEqualTo(7);
        assertThat(c.qkvBias()).isTrue();
        assertThat(c.oBias()).isFalse();
        assertThat(c.slidingWindow()).isNull();
        assertThat(c.eosTokenIds()).containsExactly(151645, 151643);
        assertThat(c.maxPositionEmbeddings()).isEqualTo(32768);
        assertThat(c.parameterCount()).isBetween(490_000_000L, 500_000_000L); // Qwen2-0.5B: 494M
    }

    @Test
    void llamaDefaultsAndMistralWindow() {
        LlamaConfig llama = LlamaConfig.fromJson("""
                {"model_type": "llama", "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008,
                 "num_hidden_layers": 32, "num_attention_heads": 32}""", "x");
        assertThat(llama.numKeyValueHeads()).isEqualTo(32);
        assertThat(llama.ropeTheta()).isEqualTo(10000.0);
        assertThat(llama.rmsNormEps()).isEqualTo(1e-6);
        assertThat(llama.tieWordEmbeddings()).isFalse();
        assertThat(llama.torchDtype()).isEqualTo("float32");
        assertThat(llama.parameterCount()).isBetween(6_700_000_000L, 6_800_000_000L); // Llama-2-7B
        LlamaConfig mistral = LlamaConfig.fromJson("""
                {"model_type": "mistral", "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 14336,
                 "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "sliding_window": 4096}""", "x");
        assertThat(mistral.slidingWindow()).isEqualTo(4096);
        LlamaConfig noWindow = LlamaConfig.fromJson("""
                {"model_type": "mistral", "vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 14336,
                 "num_hidden_layers": 32, "num_attention_heads": 32, "sliding_window": null}""", "x");
        assertThat(noWindow.slidingWindow()).isNull();
    }

    @Test
    void unsupportedSettingsAreRefusedNamingTheField() {
        String base = "\"vocab_size\": 64, \"hidden_size\": 32, \"intermediate_size\": 64, \"num_hidden_layers\": 2, "
                + "\"num_attention_heads\": 4";
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"gpt2\", " + base + "}", "m/config.json"))
                .hasMessageStartingWith("m/config.json: model_type 'gpt2'");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"llama\", " + base
                + ", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4}}", "c")).hasMessageContaining("rope_scaling.rope_type 'yarn'");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"llama\", " + base
                + ", \"num_key_value_heads\": 3}", "c")).hasMessageContaining("num_key_value_heads (3)");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"llama\", " + base
                + ", \"hidden_act\": \"gelu\"}", "c")).hasMessageContaining("hidden_act 'gelu'");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"llama\", \"vocab_size\": 64}", "c"))
                .hasMessageContaining("hidden_size is missing");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"llama\", " + base
                + ", \"torch_dtype\": \"float8\"}", "c")).hasMessageContaining("torch_dtype 'float8'");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"qwen2\", " + base
                + ", \"use_sliding_window\": true, \"max_window_layers\": 1}", "c")).hasMessageContaining("max_window_layers");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"llama\", " + base
                + ", \"eos_token_id\": 99}", "c")).hasMessageContaining("eos_token_id 99");
    }

    @Test
    void writtenConfigReadsBackEqual() throws Exception {
        for (LlamaConfig c : List.of(
                LlamaConfig.builder().numKeyValueHeads(2).eosTokenIds(List.of(2)).bosTokenId(1).build(),
                LlamaConfig.builder().modelType("qwen2").tieWordEmbeddings(true).eosTokenIds(List.of(3, 4)).build(),
                LlamaConfig.builder().modelType("mistral").slidingWindow(128).headDim(16).build(),
                LlamaConfig.builder().attentionBias(true).mlpBias(true).torchDtype("bfloat16")
                        .ropeScaling(new RopeScaling("llama3", 8, 1, 4, 64)).build())) {
            c.write(dir);
            assertThat(LlamaConfig.load(dir)).isEqualTo(c);
            assertThat(Files.readString(dir.resolve("config.json"))).contains("\"model_type\" : \"" + c.modelType() + "\"");
        }
    }

    @Test
    void llama3RopeScalingFollowsTheWavelengthRule() {
        RopeScaling s = new RopeScaling("llama3", 8, 1, 4, 8192);
        float[] plain = RopeScaling.inverseFrequencies(128, 500000, null);
        float[] scaled = RopeScaling.inverseFrequencies(128, 500000, s);
        assertThat(scaled[0]).isEqualTo(plain[0]);                         // high frequency kept
        assertThat((double) scaled[63]).isCloseTo(plain[63] / 8.0, org.assertj.core.data.Offset.offset(1e-12)); // low frequency / factor
        assertThat(RopeScaling.inverseFrequencies(8, 10000, new RopeScaling("linear", 2, 1, 4, 1))[1])
                .isEqualTo(plain(8, 10000)[1] / 2);
    }

    private static float[] plain(int d, double theta) {
        return RopeScaling.inverseFrequencies(d, theta, null);
    }
}
