package dev.loraforge.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.reference.ReferenceLlama;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA forward semantics, gradients and initialisation on tiny models. */
class LoraAdapterTest {

    @TempDir
    Path dir;

    private static final int[][] IDS = TestModels.randomIds(3, 2, 7, 64);

    @Test
    void zeroBEqualsBaseExactly() {
        LlamaConfig c = LlamaConfig.builder().numKeyValueHeads(2).build();
        try (LlamaModel model = TestModels.load(dir, c, TestModels.randomWeights(c, 1));
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0.0, List.of(LoraConfig.ALL_LINEAR)), 5);
             NDManager m = model.manager().newSubManager()) {
            float[] base = model.forward(TestModels.ids(m, IDS), null, null).toFloatArray();
            float[] adapted = model.forward(TestModels.ids(m, IDS), null, null, lora).toFloatArray();
            assertThat(adapted).containsExactly(base);
        }
    }

    @Test
    void adaptedLogitsMatchReferenceForEveryTargetAndRslora() {
        LlamaConfig c = LlamaConfig.builder().modelType("qwen2").hiddenSize(48).numAttentionHeads(6)
                .numKeyValueHeads(2).intermediateSize(80).tieWordEmbeddings(true).build();
        Map<String, float[]> weights = TestModels.randomWeights(c, 2);
        LoraConfig config = LoraConfig.of(4, 16, 0.1, List.of(LoraConfig.ALL_LINEAR)).withRslora(true);
        try (LlamaModel model = TestModels.load(dir, c, weights);
             LoraAdapter lora = LoraAdapter.create(model, config, 9);
             NDManager m = model.manager().newSubManager()) {
            LoraTestSupport.randomizeB(lora, 4, 0.2);
            assertThat(lora.scaling()).isEqualTo(16 / 2.0);
            float[] base = model.forward(TestModels.ids(m, IDS), null, null).toFloatArray();
            float[] logits = model.forward(TestModels.ids(m, IDS), null, null, lora).toFloatArray();
            ReferenceLlama ref = new ReferenceLlama(TestModels.dims(c), weights, LoraTestSupport.reference(lora), null, 0);
            for (int b = 0; b < IDS.length; b++) {
                double[][] expected = ref.logits(IDS[b], null);
                assertThat(TestModels.maxAbsDiff(logits, b, 7, 64, expected, 7)).isLessThan(1e-4);
            }
            assertThat(maxDiff(base, logits)).as("the adapter changes the output").isGreaterThan(0.1);
        }
    }

    @Test
    void gradientsReachOnlyAdapterParameters() {
        LlamaConfig c = LlamaConfig.builder().build();
        try (LlamaModel model = TestModels.load(dir, c, TestModels.randomWeights(c, 3));
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(2, 4, 0.0, List.of("q_proj", "v_proj")), 1);
             NDManager m = model.manager().newSubManager()) {
            LoraTestSupport.randomizeB(lora, 2, 0.1);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = model.forward(TestModels.ids(m, IDS), null, null, lora);
                gc.backward(logits.square().mean());
            }
            assertThat(lora.trainableParameters()).hasSize(2 * 2 * 2);
            for (Map.Entry<String, NDArray> e : lora.trainableParameters().entrySet()) {
                assertThat(Adapter.isAdapterParameter(e.getKey())).isTrue();
                assertThat(e.getValue().getGradient().abs().max().getFloat()).as(e.getKey()).isGreaterThan(0f);
            }
            for (Map.Entry<String, NDArray> e : model.weights().entrySet()) {
                assertThat(Adapter.isAdapterParameter(e.getKey())).isFalse();
                assertThat(e.getValue().hasGradient()).as(e.getKey() + " is frozen").isFalse();
            }
        }
    }

    @Test
    void dropoutActsOnlyOnTheAdapterBranchAndOnlyInTraining() {
        LlamaConfig c = LlamaConfig.builder().build();
        try (LlamaModel model = TestModels.load(dir, c, TestModels.randomWeights(c, 8));
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0.5, List.of("all-linear")), 5);
             NDManager m = model.manager().newSubManager()) {
            float[] base = model.forward(TestModels.ids(m, IDS), null, null).toFloatArray();
            model.setTraining(true);
            // B = 0: whatever dropout does to the adapter's input, the output is the base model's
            assertThat(model.forward(TestModels.ids(m, IDS), null, null, lora).toFloatArray()).containsExactly(base);
            LoraTestSupport.randomizeB(lora, 6, 0.2);
            Engine.getInstance().setRandomSeed(1);
            float[] t1 = model.forward(TestModels.ids(m, IDS), null, null, lora).toFloatArray();
            Engine.getInstance().setRandomSeed(1);
            float[] t1again = model.forward(TestModels.ids(m, IDS), null, null, lora).toFloatArray();
            Engine.getInstance().setRandomSeed(2);
            float[] t2 = model.forward(TestModels.ids(m, IDS), null, null, lora).toFloatArray();
            assertThat(t1again).as("same engine seed, same dropout masks").containsExactly(t1);
            assertThat(maxDiff(t1, t2)).as("different masks").isGreaterThan(1e-3);
            model.setTraining(false);
            float[] e1 = model.forward(TestModels.ids(m, IDS), null, null, lora).toFloatArray();
            float[] e2 = model.forward(TestModels.ids(m, IDS), null, null, lora).toFloatArray();
            assertThat(e2).containsExactly(e1);
            assertThat(maxDiff(e1, t1)).isGreaterThan(1e-3);
        }
    }

    @Test
    void kaimingUniformAMatchesPeftBoundAndGaussianHasStdOneOverR() {
        LlamaConfig c = LlamaConfig.builder().hiddenSize(64).numAttentionHeads(4).intermediateSize(128).build();
        try (LlamaModel model = TestModels.load(dir, c, TestModels.randomWeights(c, 4))) {
            try (LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(16, 16, 0, List.of("q_proj", "down_proj")), 3)) {
                float[] a = lora.trainableParameters().get(PeftKeys.loraA(0, "q_proj")).toFloatArray();
                float[] downA = lora.trainableParameters().get(PeftKeys.loraA(0, "down_proj")).toFloatArray();
                double bound = 1 / Math.sqrt(64);
                assertThat(stats(a)[2]).isLessThanOrEqualTo(bound).isGreaterThan(0.95 * bound);
                assertThat(stats(a)[0]).isBetween(-0.1 * bound, 0.1 * bound);
                assertThat(stats(a)[1]).isBetween(0.9 * bound * bound / 3, 1.1 * bound * bound / 3); // U(-b, b) variance b^2/3
                assertThat(stats(downA)[2]).isLessThanOrEqualTo(1 / Math.sqrt(128)).isGreaterThan(0.95 / Math.sqrt(128));
                float[] b = lora.trainableParameters().get(PeftKeys.loraB(0, "q_proj")).toFloatArray();
                assertThat(stats(b)[2]).isZero();
            }
            LoraConfig gaussian = LoraConfig.of(8, 16, 0, List.of("up_proj")).withInit(LoraInit.GAUSSIAN);
            try (LoraAdapter lora = LoraAdapter.create(model, gaussian, 3)) {
                float[] a = lora.trainableParameters().get(PeftKeys.loraA(1, "up_proj")).toFloatArray();
                assertThat(Math.sqrt(stats(a)[1])).isBetween(0.9 / 8, 1.1 / 8);
            }
        }
    }

    @Test
    void sameSeedSameInitDifferentSeedDifferentInit() {
        LlamaConfig c = LlamaConfig.builder().build();
        LoraConfig config = LoraConfig.of(4, 8, 0, List.of("k_proj"));
        try (LlamaModel model = TestModels.load(dir, c, TestModels.randomWeights(c, 4));
             LoraAdapter one = LoraAdapter.create(model, config, 11);
             LoraAdapter two = LoraAdapter.create(model, config, 11);
             LoraAdapter three = LoraAdapter.create(model, config, 12)) {
            String key = PeftKeys.loraA(1, "k_proj");
            assertThat(two.trainableParameters().get(key).toFloatArray())
                    .containsExactly(one.trainableParameters().get(key).toFloatArray());
            assertThat(three.trainableParameters().get(key).toFloatArray())
                    .isNotEqualTo(one.trainableParameters().get(key).toFloatArray());
        }
    }

    @Test
    void invalidConfigsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> LoraConfig.of(0, 8, 0, List.of("q_proj"))).hasMessageContaining("r must");
        assertThatThrownBy(() -> LoraConfig.of(4, 8, 1.0, List.of("q_proj"))).hasMessageContaining("lora_dropout");
        assertThatThrownBy(() -> LoraConfig.of(4, 8, 0, List.of("qproj"))).hasMessageContaining("target_modules entry 'qproj'");
        assertThatThrownBy(() -> LoraConfig.of(4, 8, 0, List.of("all-linear", "q_proj"))).hasMessageContaining("alone");
        assertThat(LoraConfig.of(4, 8, 0, List.of("all-linear")).resolvedTargets())
                .containsExactly("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    }

    /** mean, variance, max |x|. */
    static double[] stats(float[] v) {
        double sum = 0;
        double max = 0;
        for (float x : v) {
            sum += x;
            max = Math.max(max, Math.abs(x));
        }
        double mean = sum / v.length;
        double var = 0;
        for (float x : v) {
            var += (x - mean) * (x - mean);
        }
        return new double[] {mean, var / v.length, max};
    }

    static double maxDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
