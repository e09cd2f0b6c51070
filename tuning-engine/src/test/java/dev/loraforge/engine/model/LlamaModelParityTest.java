package dev.loraforge.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.loraforge.engine.reference.ReferenceLlama;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Base-model logits against the independent double-precision reference (max abs < 1e-4). */
class LlamaModelParityTest {

    @TempDir
    Path dir;

    static java.util.stream.Stream<Arguments> configs() {
        return java.util.stream.Stream.of(
                Arguments.of("llama MHA untied", LlamaConfig.builder().build()),
                Arguments.of("llama GQA tied", LlamaConfig.builder().numAttentionHeads(4).numKeyValueHeads(2)
                        .tieWordEmbeddings(true).build()),
                Arguments.of("llama attention_bias mlp_bias", LlamaConfig.builder().attentionBias(true).mlpBias(true)
                        .hiddenSize(48).numAttentionHeads(6).numKeyValueHeads(3).build()),
                Arguments.of("qwen2 qkv bias GQA", LlamaConfig.builder().modelType("qwen2").hiddenSize(64)
                        .numAttentionHeads(8).numKeyValueHeads(2).intermediateSize(96).ropeTheta(1_000_000).build()),
                Arguments.of("mistral head_dim override", LlamaConfig.builder().modelType("mistral").hiddenSize(16)
                        .numAttentionHeads(4).numKeyValueHeads(1).headDim(8).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void logitsMatchReference(String name, LlamaConfig config) {
        Map<String, float[]> weights = TestModels.randomWeights(config, 42);
        int[][] ids = TestModels.randomIds(7, 2, 9, config.vocabSize());
        ReferenceLlama ref = new ReferenceLlama(TestModels.dims(config), weights);
        try (LlamaModel model = TestModels.load(dir, config, weights);
             NDManager step = model.manager().newSubManager()) {
            NDArray logits = model.forward(TestModels.ids(step, ids), null, null);
            assertThat(logits.getShape().getShape()).containsExactly(2, 9, config.vocabSize());
            float[] flat = logits.toFloatArray();
            for (int b = 0; b < 2; b++) {
                double[][] expected = ref.logits(ids[b], null);
                assertThat(TestModels.maxAbs(expected)).as("reference logits are O(1)").isGreaterThan(0.5);
                assertThat(TestModels.maxAbsDiff(flat, b, 9, config.vocabSize(), expected, 9)).isLessThan(1e-4);
            }
        }
    }
}
