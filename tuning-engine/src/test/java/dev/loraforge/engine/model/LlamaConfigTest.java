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
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"phi3\", " + base
                + ", \"rope_scaling\": {\"type\": \"longrope\", \"short_factor\": [1], \"long_factor\": [1]}}", "c"))
                .hasMessageContaining("rope_scaling.rope_type 'longrope' is not supported");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"gemma3\", " + base + "}", "c"))
                .hasMessageContaining("gemma3_text");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"llama\", " + base
                + ", \"partial_rotary_factor\": 0.5}", "c")).hasMessageContaining("partial_rotary_factor 0.5");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"phi3\", " + base
                + ", \"resid_pdrop\": 0.1}", "c")).hasMessageContaining("resid_pdrop 0.1");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"gemma2\", " + base
                + ", \"hidden_activation\": \"gelu\"}", "c")).hasMessageContaining("hidden_activation 'gelu'");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"qwen3\", " + base
                + ", \"layer_types\": [\"full_attention\", \"chunked_attention\"]}", "c"))
                .hasMessageContaining("layer_types entry 'chunked_attention'");
        assertThatThrownBy(() -> LlamaConfig.fromJson("{\"model_type\": \"llama\", " + base
                + ", \"eos_token_id\": 99}", "c")).hasMessageContaining("eos_token_id 99");
    }

    @Test
    void realConfigsOfTheNewFamiliesParseWithTheirDefaults() {
        LlamaConfig qwen2 = LlamaConfig.fromJson("""
                {"model_type": "qwen2", "vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 3,
                 "num_attention_heads": 4, "use_sliding_window": true, "sliding_window": 16, "max_window_layers": 1}""", "x");
        assertThat(qwen2.layerTypes()).containsExactly("full_attention", "sliding_attention", "sliding_attention");
        // Qwen3-0.6B's config.json
        LlamaConfig qwen3 = LlamaConfig.fromJson("""
                {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 151643,
                 "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024, "initializer_range": 0.02,
                 "intermediate_size": 3072, "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
                 "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
                 "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
                 "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936}""", "x");
        assertThat(qwen3.family()).isEqualTo(Family.QWEN3);
        assertThat(qwen3.hasSlidingLayers()).isFalse();
        assertThat(qwen3.parameterCount()).isBetween(590_000_000L, 600_000_000L); // "0.6B", 0.44B without embeddings
        assertThat(WeightLayout.of(qwen3)).containsKey("model.layers.27.self_attn.k_norm.weight");
        // gemma-3-1b-it's config.json
        LlamaConfig gemma3 = LlamaConfig.fromJson("""
                {"architectures": ["Gemma3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
                 "attn_logit_softcapping": null, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 106],
                 "final_logit_softcapping": null, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152,
                 "initializer_range": 0.02, "intermediate_size": 6912, "max_position_embeddings": 32768, "model_type": "gemma3_text",
                 "num_attention_heads": 4, "num_hidden_layers": 26, "num_key_value_heads": 1, "pad_token_id": 0,
                 "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000, "rope_scaling": null,
                 "rope_theta": 1000000, "sliding_window": 512, "sliding_window_pattern": 6, "torch_dtype": "bfloat16",
                 "vocab_size": 262144}""", "x");
        assertThat(gemma3.tieWordEmbeddings()).isTrue();
        assertThat(gemma3.layerTypes().stream().filter("full_attention"::equals).count()).isEqualTo(4); // layers 5, 11, 17, 23
        assertThat(gemma3.isSlidingLayer(4)).isTrue();
        assertThat(gemma3.isSlidingLayer(5)).isFalse();
        assertThat(gemma3.ropeLocalTheta()).isEqualTo(10000.0);
        assertThat(gemma3.finalLogitSoftcap()).isNull();
        assertThat(gemma3.eosTokenIds()).containsExactly(1, 106);
        assertThat(gemma3.parameterCount()).isBetween(995_000_000L, 1_005_000_000L);
        assertThat(WeightLayout.of(gemma3)).containsKey("model.layers.0.pre_feedforward_layernorm.weight");
        LlamaConfig gemma2 = LlamaConfig.fromJson("""
                {"model_type": "gemma2", "vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 4,
                 "num_attention_heads": 2, "head_dim": 16}""", "x");
        assertThat(gemma2.attnLogitSoftcap()).isEqualTo(50.0);
        assertThat(gemma2.finalLogitSoftcap()).isEqualTo(30.0);
        assertThat(gemma2.layerTypes()).containsExactly("sliding_attention", "full_attention", "sliding_attention",
                "full_attention");
        // Phi-3-mini-4k-instruct's config.json (the fields that matter)
        LlamaConfig phi3 = LlamaConfig.fromJson("""
                {"architectures": ["Phi3ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 1, "embd_pdrop": 0.0,
                 "eos_token_id": 32000, "hidden_act": "silu", "hidden_size": 3072, "initializer_range": 0.02,
                 "intermediate_size": 8192, "max_position_embeddings": 4096, "model_type": "phi3", "num_attention_heads": 32,
                 "num_hidden_layers": 32, "num_key_value_heads": 32, "original_max_position_embeddings": 4096, "pad_token_id": 32000,
                 "resid_pdrop": 0.0, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000.0, "sliding_window": 2047,
                 "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 32064}""", "x");
        assertThat(phi3.projections()).containsExactly("qkv_proj", "o_proj", "gate_up_proj", "down_proj");
        assertThat(phi3.layerTypes()).allMatch("sliding_attention"::equals);
        assertThat(phi3.parameterCount()).isBetween(3_800_000_000L, 3_830_000_000L); // 3.82B
        assertThat(WeightLayout.projectionShape(phi3, "qkv_proj")).containsExactly(9216, 3072);
        assertThat(WeightLayout.projectionShape(phi3, "gate_up_proj")).containsExactly(16384, 3072);
    }

    @Test
    void writtenConfigReadsBackEqual() throws Exception {
        for (LlamaConfig c : List.of(
                LlamaConfig.builder().numKeyValueHeads(2).eosTokenIds(List.of(2)).bosTokenId(1).build(),
                LlamaConfig.builder().modelType("qwen2").tieWordEmbeddings(true).eosTokenIds(List.of(3, 4)).build(),
                LlamaConfig.builder().modelType("mistral").slidingWindow(128).headDim(16).build(),
                LlamaConfig.builder().attentionBias(true).mlpBias(true).torchDtype("bfloat16")
                        .ropeScaling(new RopeScaling("llama3", 8, 1, 4, 64)).build(),
                LlamaConfig.builder().modelType("qwen3").headDim(16).slidingWindow(8)
                        .layerTypes(List.of("full_attention", "sliding_attention")).build(),
                LlamaConfig.builder().modelType("gemma3_text").headDim(16).queryPreAttnScalar(12.0).slidingWindow(8)
                        .ropeLocalTheta(10000.0).finalLogitSoftcap(30.0).tieWordEmbeddings(true)
                        .ropeScaling(new RopeScaling("linear", 8, 1, 4, 8192)).build(),
                LlamaConfig.builder().modelType("gemma2").headDim(16).queryPreAttnScalar(16.0).slidingWindow(8)
                        .attnLogitSoftcap(50.0).finalLogitSoftcap(30.0).build(),
                LlamaConfig.builder().modelType("phi3").partialRotaryFactor(0.5).slidingWindow(64).build())) {
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
