package dev.loraforge.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.loraforge.engine.io.HalfFloats;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsWriter;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.QuantizedWeight;
import dev.loraforge.engine.model.RopeScaling;
import dev.loraforge.engine.model.WeightLayout;
import dev.loraforge.engine.quant.ModelQuantizer;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.reference.ReferenceLlama;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * qwen3, gemma2, gemma3_text and phi3 against the independent double-precision reference: base logits,
 * LoRA on every linear module (PEFT's names, phi3's fused ones included), weights stored as bf16 and
 * sharded, an NF4 (QLoRA) base, and a merged export. The reference is told each family's differences
 * explicitly ({@link ReferenceLlama.Variant}); sequences are longer than the sliding windows.
 */
class FamilyParityTest {

    private static final int T = 11;
    private static final java.util.Set<String> ATTENTION = java.util.Set.of("q_proj", "k_proj", "v_proj", "o_proj", "qkv_proj");

    @TempDir
    Path dir;

    /** One family case: its config and the reference's description of it. */
    record Case(String name, LlamaConfig config, ReferenceLlama.Variant variant) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        LlamaConfig qwen3 = LlamaConfig.builder().modelType("qwen3").vocabSize(72).hiddenSize(48).numAttentionHeads(4)
                .numKeyValueHeads(2).headDim(16).intermediateSize(80).ropeTheta(1_000_000).slidingWindow(4)
                .layerTypes(List.of("full_attention", "sliding_attention")).build();
        LlamaConfig qwen3Bias = LlamaConfig.builder().modelType("qwen3").vocabSize(72).hiddenSize(32).numAttentionHeads(4)
                .numKeyValueHeads(4).headDim(8).intermediateSize(64).attentionBias(true).tieWordEmbeddings(true).build();
        LlamaConfig gemma3 = LlamaConfig.builder().modelType("gemma3_text").vocabSize(80).hiddenSize(40).numAttentionHeads(4)
                .numKeyValueHeads(2).headDim(16).intermediateSize(72).numHiddenLayers(3).queryPreAttnScalar(24.0)
                .slidingWindow(4).layerTypes(List.of("sliding_attention", "full_attention", "sliding_attention"))
                .ropeTheta(1_000_000).ropeLocalTheta(10_000.0).ropeScaling(new RopeScaling("linear", 2.0, 1, 4, 8192))
                .tieWordEmbeddings(true).finalLogitSoftcap(8.0).build();
        LlamaConfig gemma2 = LlamaConfig.builder().modelType("gemma2").vocabSize(64).hiddenSize(32).numAttentionHeads(2)
                .numKeyValueHeads(1).headDim(16).intermediateSize(48).queryPreAttnScalar(16.0).slidingWindow(5)
                .attnLogitSoftcap(1.5).finalLogitSoftcap(6.0).tieWordEmbeddings(true).build();
        LlamaConfig phi3 = LlamaConfig.builder().modelType("phi3").vocabSize(70).hiddenSize(48).numAttentionHeads(6)
                .numKeyValueHeads(2).headDim(8).intermediateSize(96).partialRotaryFactor(0.5).slidingWindow(6)
                .rmsNormEps(1e-5).build();
        return Stream.of(
                Arguments.of(new Case("qwen3 GQA q/k norm, a sliding layer", qwen3,
                        variant(qwen3, false, true, false, 16, 1 / Math.sqrt(16), new boolean[] {false, true}, 0, 1, 0, 0))),
                Arguments.of(new Case("qwen3 attention_bias tied", qwen3Bias,
                        variant(qwen3Bias, false, true, false, 8, 1 / Math.sqrt(8), new boolean[2], 0, 1, 0, 0))),
                Arguments.of(new Case("gemma3_text local/global rope, linear scaling, final softcap", gemma3,
                        variant(gemma3, true, true, false, 16, 1 / Math.sqrt(24), new boolean[] {true, false, true}, 10_000,
                                2.0, 0, 8.0))),
                Arguments.of(new Case("gemma2 alternating windows, attention and final softcaps", gemma2,
                        variant(gemma2, true, false, false, 16, 1 / Math.sqrt(16), new boolean[] {true, false}, 0, 1, 1.5, 6.0))),
                Arguments.of(new Case("phi3 fused qkv/gate_up, partial rotary, window", phi3,
                        variant(phi3, false, false, true, 4, 1 / Math.sqrt(8), new boolean[] {true, true}, 0, 1, 0, 0))));
    }

    private static ReferenceLlama.Variant variant(LlamaConfig c, boolean gemma, boolean qkNorm, boolean fused, int rotaryDim,
                                                  double scoreScale, boolean[] sliding, double localTheta, double linearFactor,
                                                  double attnSoftcap, double finalSoftcap) {
        int window = c.slidingWindow() == null ? 0 : c.slidingWindow();
        return new ReferenceLlama.Variant(gemma, qkNorm, fused, rotaryDim, scoreScale, sliding, window, localTheta,
                linearFactor, attnSoftcap, finalSoftcap);
    }

    private static void assertMatches(float[] logits, ReferenceLlama ref, int[][] ids, int vocab) {
        for (int b = 0; b < ids.length; b++) {
            double[][] expected = ref.logits(ids[b], null);
            assertThat(TestModels.maxAbs(expected)).as("reference logits are O(1)").isGreaterThan(0.5);
            assertThat(TestModels.maxAbsDiff(logits, b, T, vocab, expected, T)).isLessThan(1e-4);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void baseAndLoraLogitsMatchTheReference(Case k) {
        LlamaConfig c = k.config();
        Map<String, float[]> weights = TestModels.randomWeights(c, 42);
        int[][] ids = TestModels.randomIds(7, 2, T, c.vocabSize());
        try (LlamaModel model = TestModels.load(dir, c, weights);
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of(LoraConfig.ALL_LINEAR)), 3);
             NDManager m = model.manager().newSubManager()) {
            float[] base = model.forward(TestModels.ids(m, ids), null, null).toFloatArray();
            assertMatches(base, new ReferenceLlama(TestModels.dims(c), k.variant(), weights, null), ids, c.vocabSize());

            LoraTestSupport.randomizeB(lora, 5, 0.2);
            assertThat(lora.config().targetModules()).isEqualTo(c.projections());
            for (int l = 0; l < c.numHiddenLayers(); l++) {
                for (String p : c.projections()) {
                    long[] w = WeightLayout.projectionShape(c, p);
                    String key = "base_model.model.model.layers." + l + "." + (ATTENTION.contains(p) ? "self_attn." : "mlp.") + p;
                    assertThat(lora.trainableParameters().get(key + ".lora_A.weight").getShape().getShape())
                            .as(key).containsExactly(4, w[1]);
                    assertThat(lora.trainableParameters().get(key + ".lora_B.weight").getShape().getShape())
                            .as(key).containsExactly(w[0], 4);
                }
            }
            float[] adapted = model.forward(TestModels.ids(m, ids), null, null, lora).toFloatArray();
            assertMatches(adapted, new ReferenceLlama(TestModels.dims(c), k.variant(), weights,
                    LoraTestSupport.reference(lora)), ids, c.vocabSize());
            assertThat(maxDiff(base, adapted)).as("the adapter changes the output").isGreaterThan(0.05);

            Path merged = dir.resolve("merged");
            LoraMerge.merge(model, lora, merged);
            try (LlamaModel full = LlamaModel.load(merged)) {
                float[] mergedLogits = full.forward(TestModels.ids(m, ids), null, null).toFloatArray();
                assertThat(maxDiff(mergedLogits, adapted)).as("merged equals adapted").isLessThan(1e-4);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void bf16ShardedCheckpointsMatchTheReferenceOnTheRoundedWeights(Case k) throws Exception {
        LlamaConfig c = k.config().toBuilder().torchDtype("bfloat16").build();
        Map<String, float[]> weights = TestModels.randomWeights(c, 43);
        Map<String, float[]> rounded = new LinkedHashMap<>();
        weights.forEach((name, v) -> {
            float[] r = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                r[i] = HalfFloats.bf16ToF32(HalfFloats.f32ToBf16(v[i]));
            }
            rounded.put(name, r);
        });
        Path sharded = dir.resolve("sharded");
        c.write(sharded);
        Map<String, long[]> layout = WeightLayout.of(c);
        SafeTensorsWriter one = new SafeTensorsWriter().metadata("format", "pt");
        SafeTensorsWriter two = new SafeTensorsWriter().metadata("format", "pt");
        StringBuilder map = new StringBuilder();
        int i = 0;
        for (Map.Entry<String, float[]> e : weights.entrySet()) {
            boolean first = i++ % 2 == 0;
            (first ? one : two).addFloats(e.getKey(), e.getValue(), layout.get(e.getKey()), SafeDType.BF16);
            map.append(map.length() == 0 ? "" : ",").append('"').append(e.getKey()).append("\":\"model-0000")
                    .append(first ? 1 : 2).append("-of-00002.safetensors\"");
        }
        one.write(sharded.resolve("model-00001-of-00002.safetensors"));
        two.write(sharded.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(sharded.resolve("model.safetensors.index.json"), "{\"weight_map\":{" + map + "}}");
        int[][] ids = TestModels.randomIds(8, 2, T, c.vocabSize());
        try (LlamaModel model = LlamaModel.load(sharded); NDManager m = model.manager().newSubManager()) {
            float[] logits = model.forward(TestModels.ids(m, ids), null, null).toFloatArray();
            assertMatches(logits, new ReferenceLlama(TestModels.dims(c), k.variant(), rounded, null), ids, c.vocabSize());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void qloraOnAnNf4BaseMatchesTheReferenceOnTheDequantizedWeights(Case k) {
        LlamaConfig c = k.config();
        Map<String, float[]> weights = TestModels.randomWeights(c, 44);
        Path src = dir.resolve("src");
        TestModels.write(src, c, weights, SafeDType.F32);
        Path q = dir.resolve("nf4");
        ModelQuantizer.quantize(src, QuantScheme.NF4_DQ, q);
        int[][] ids = TestModels.randomIds(9, 2, T, c.vocabSize());
        try (LlamaModel model = LlamaModel.load(q);
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of(LoraConfig.ALL_LINEAR)), 3);
             NDManager m = model.manager().newSubManager()) {
            assertThat(model.quantizedWeights().keySet()).as("every projection is held in NF4")
                    .hasSize(c.numHiddenLayers() * c.projections().size());
            Map<String, float[]> dequantized = new LinkedHashMap<>(weights);
            for (Map.Entry<String, QuantizedWeight> e : model.quantizedWeights().entrySet()) {
                try (NDManager tmp = m.newSubManager()) {
                    NDArray d = e.getValue().dequantize(tmp);
                    dequantized.put(e.getKey(), d.toFloatArray());
                }
            }
            LoraTestSupport.randomizeB(lora, 6, 0.2);
            float[] logits = model.forward(TestModels.ids(m, ids), null, null, lora).toFloatArray();
            assertMatches(logits, new ReferenceLlama(TestModels.dims(c), k.variant(), dequantized,
                    LoraTestSupport.reference(lora)), ids, c.vocabSize());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void kvCacheStepsGiveTheFullSequenceLogitsPastTheWindow(Case k) {
        LlamaConfig c = k.config();
        int v = c.vocabSize();
        try (LlamaModel model = TestModels.load(dir, c, TestModels.randomWeights(c, 45));
             NDManager m = model.manager().newSubManager()) {
            int[][] ids = TestModels.randomIds(10, 1, T, v);
            float[] full = model.forward(TestModels.ids(m, ids), null, null).toFloatArray();
            try (dev.loraforge.engine.model.KvCache cache = new dev.loraforge.engine.model.KvCache(c, m)) {
                int[][] prompt = {java.util.Arrays.copyOf(ids[0], 3)};
                float[] first = model.forward(TestModels.ids(m, prompt), null, cache).toFloatArray();
                assertThat(maxDiff(first, java.util.Arrays.copyOf(full, 3 * v))).isLessThan(1e-5);
                for (int t = 3; t < T; t++) {
                    float[] step = model.forward(TestModels.ids(m, new int[][] {{ids[0][t]}}), null, cache).toFloatArray();
                    assertThat(maxDiff(step, java.util.Arrays.copyOfRange(full, t * v, (t + 1) * v)))
                            .as("position %d", t).isLessThan(1e-5);
                }
            }
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
