package dev.loraforge.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.loraforge.engine.generate.GenerationOptions;
import dev.loraforge.engine.generate.Generator;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.reference.TestModels;
import dev.loraforge.engine.train.CrossEntropy;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 16-bit checkpoint loaded for training stays 16-bit in memory: its projection weights, embedding and LM
 * head are held as stored (2 bytes per parameter) and widened to float32 one matrix (or one block of vocabulary
 * rows) at a time, so the model computes exactly what the float32 load of the same file computes, forward and
 * backward.
 */
class StoredPrecisionTest {

    @TempDir
    Path dir;

    private static final LlamaConfig CONFIG = LlamaConfig.builder().modelType("qwen2").numKeyValueHeads(2)
            .tieWordEmbeddings(false).build();

    @Test
    void a16BitCheckpointIsNeverMaterialisedAsAFloat32Copy() {
        Map<String, float[]> weights = TestModels.randomWeights(CONFIG, 3);
        for (SafeDType dtype : List.of(SafeDType.BF16, SafeDType.F16)) {
            Path d = dir.resolve(dtype.name());
            TestModels.write(d, CONFIG.toBuilder().torchDtype(dtype == SafeDType.BF16 ? "bfloat16" : "float16").build(),
                    weights, dtype);
            try (LlamaModel model = LlamaModel.load(d, ai.djl.Device.cpu(), true)) {
                long held = 0;
                long expected = 0;
                long float32 = 0;
                for (Map.Entry<String, long[]> e : WeightLayout.of(CONFIG).entrySet()) {
                    long n = 1;
                    for (long s : e.getValue()) {
                        n *= s;
                    }
                    String name = e.getKey();
                    if (WeightLayout.isKeptInStoredPrecision(name)) { // projections, embedding, LM head
                        assertThat(model.weights()).as(name + " has no float32 copy").doesNotContainKey(name);
                        QuantizedWeight w = model.quantizedWeights().get(name);
                        assertThat(w).as(name).isInstanceOf(HalfPrecisionWeight.class);
                        assertThat(w.scheme()).isEqualTo(dtype == SafeDType.BF16 ? "bf16" : "f16");
                        held += w.residentBytes();
                        expected += 2 * n;
                    } else {
                        NDArray w = model.weights().get(name);
                        assertThat(w.getDataType()).as(name).isEqualTo(DataType.FLOAT32);
                        held += w.size() * 4;
                        expected += 4 * n;
                    }
                    float32 += 4 * n;
                }
                assertThat(held).as("bytes held for the weights").isEqualTo(expected);
                assertThat((double) held / float32).as("of a float32 copy").isLessThan(0.7);
                assertThat(model.isQuantized()).as("16-bit is full precision, not a quantization").isFalse();
                assertThat(dev.loraforge.engine.quant.QloraBase.schemeOf(model)).isEmpty();
                assertThat(model.layerwiseRecompute()).as("widened weights live one layer at a time in training").isTrue();
            }
            try (LlamaModel decoding = LlamaModel.load(d)) {
                assertThat(decoding.quantizedWeights()).as("serving loads float32 (no widening per token)").isEmpty();
                assertThat(decoding.layerwiseRecompute()).isFalse();
            }
        }
    }

    @Test
    void logitsAndGenerationEqualTheFloat32LoadOfTheSameFile() {
        Map<String, float[]> weights = TestModels.randomWeights(CONFIG, 5);
        int[][] ids = TestModels.randomIds(2, 2, 7, CONFIG.vocabSize());
        for (SafeDType dtype : List.of(SafeDType.BF16, SafeDType.F16)) {
            Path d = dir.resolve(dtype.name());
            TestModels.write(d, CONFIG.toBuilder().torchDtype(dtype == SafeDType.BF16 ? "bfloat16" : "float16").build(),
                    weights, dtype);
            try (LlamaModel narrow = LlamaModel.load(d, ai.djl.Device.cpu(), true); LlamaModel wide = LlamaModel.load(d);
                 NDManager m = narrow.manager().newSubManager()) {
                float[] a = narrow.forward(TestModels.ids(m, ids), null, null).toFloatArray();
                float[] b = wide.forward(TestModels.ids(m, ids), null, null).toFloatArray();
                assertThat(maxAbsDiff(a, b)).as(dtype.name()).isLessThan(1e-6);
                int[] prompt = ids[0];
                assertThat(new Generator(narrow).generate(prompt, null, GenerationOptions.greedy(12)).tokens())
                        .containsExactly(new Generator(wide).generate(prompt, null, GenerationOptions.greedy(12)).tokens());
            }
        }
    }

    @Test
    void loraGradientsOnA16BitBaseEqualThoseOnItsFloat32Load() {
        Map<String, float[]> weights = TestModels.randomWeights(CONFIG, 7);
        Path bf16 = dir.resolve("bf16");
        TestModels.write(bf16, CONFIG.toBuilder().torchDtype("bfloat16").build(), weights, SafeDType.BF16);
        LoraConfig all = LoraConfig.of(4, 8, 0.0, List.of(LoraConfig.ALL_LINEAR));
        int[][] ids = TestModels.randomIds(3, 2, 9, CONFIG.vocabSize());
        long[] targets = targets(4, 8, CONFIG.vocabSize());
        try (LlamaModel narrow = LlamaModel.load(bf16, ai.djl.Device.cpu(), true); LlamaModel wide = LlamaModel.load(bf16);
             LoraAdapter na = LoraAdapter.create(narrow, all, 1); LoraAdapter wa = LoraAdapter.create(wide, all, 1);
             NDManager step = narrow.manager().newSubManager()) {
            sameNonZeroB(na, wa);
            assertThat(wide.layerwiseRecompute()).isFalse();
            NDArray tgt = step.create(targets, new Shape(2, 9));
            double narrowLoss = LayerwiseBackward.run(narrow, na, TestModels.ids(step, ids), null,
                    l -> CrossEntropy.sumNll(l, tgt), 0.5f, 7);
            double wideLoss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = CrossEntropy.sumNll(wide.forward(TestModels.ids(step, ids), null, null, wa), tgt);
                gc.backward(loss.mul(0.5f));
                wideLoss = loss.getFloat();
            }
            assertThat(narrowLoss).isCloseTo(wideLoss, org.assertj.core.data.Offset.offset(1e-4));
            sameGradients(na, wa, scale -> 1e-5 * Math.max(1, scale));
        }
    }

    /**
     * A vocabulary large enough that the 16-bit LM head is widened in two blocks (the second one partial): the
     * embedding lookup, the logits and the chunked loss's gradients equal those of the float32 load.
     */
    @Test
    void aLargeVocabularyIsWidenedABlockAtATimeWithTheFloat32Numbers() {
        LlamaConfig big = CONFIG.toBuilder().vocabSize(300_000).torchDtype("bfloat16").build();
        Path d = dir.resolve("big");
        TestModels.write(d, big, TestModels.randomWeights(big, 11), SafeDType.BF16);
        LoraConfig all = LoraConfig.of(4, 8, 0.0, List.of(LoraConfig.ALL_LINEAR));
        int[][] ids = TestModels.randomIds(6, 2, 9, big.vocabSize());
        long[] targets = targets(8, 0, big.vocabSize());
        try (LlamaModel narrow = LlamaModel.load(d, ai.djl.Device.cpu(), true); LlamaModel wide = LlamaModel.load(d);
             LoraAdapter na = LoraAdapter.create(narrow, all, 1); LoraAdapter wa = LoraAdapter.create(wide, all, 1);
             NDManager step = narrow.manager().newSubManager()) {
            for (String name : List.of("model.embed_tokens.weight", "lm_head.weight")) {
                assertThat(narrow.weights()).as(name + " has no float32 copy").doesNotContainKey(name);
                assertThat(narrow.quantizedWeights().get(name)).as(name).isInstanceOf(HalfPrecisionWeight.class);
            }
            VocabWeight head = narrow.lmHeadWeight();
            assertThat(head.isHalfPrecision()).isTrue();
            assertThat(head.blockRows()).as("more than one block").isLessThan(big.vocabSize());
            assertThat(big.vocabSize() % head.blockRows()).as("the last block is partial").isNotZero();
            assertThat(maxAbsDiff(narrow.forward(TestModels.ids(step, ids), null, null).toFloatArray(),
                    wide.forward(TestModels.ids(step, ids), null, null).toFloatArray())).as("logits").isLessThan(1e-6);

            sameNonZeroB(na, wa);
            double narrowLoss = LayerwiseBackward.runFromHidden(narrow, na, TestModels.ids(step, ids), null,
                    h -> CrossEntropy.sumNllFromHidden(narrow, h, targets), 0.5f, 7);
            double wideLoss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = CrossEntropy.sumNll(wide.forward(TestModels.ids(step, ids), null, null, wa),
                        step.create(targets, new Shape(2, 9)));
                gc.backward(loss.mul(0.5f));
                wideLoss = loss.getFloat();
            }
            assertThat(wideLoss).as("a loss worth comparing (ln 300000 per counted token)").isGreaterThan(100);
            assertThat(narrowLoss).isCloseTo(wideLoss, org.assertj.core.data.Offset.offset(1e-6 * wideLoss));
            sameGradients(na, wa, scale -> 1e-4 * scale);
        }
    }

    /** 18 targets (2 rows of 9) below {@code vocab}, position {@code ignored} of each row -100. */
    private static long[] targets(long seed, int ignored, int vocab) {
        long[] targets = new long[18];
        Random r = new Random(seed);
        for (int i = 0; i < targets.length; i++) {
            targets[i] = i % 9 == ignored ? -100 : r.nextInt(vocab);
        }
        return targets;
    }

    /** Every parameter of {@code a} has a non-zero gradient within {@code tolerance(max |gradient of b|)} of b's. */
    private static void sameGradients(LoraAdapter a, LoraAdapter b, java.util.function.DoubleUnaryOperator tolerance) {
        for (String key : a.trainableParameters().keySet()) {
            float[] g1 = a.trainableParameters().get(key).getGradient().toFloatArray();
            float[] g2 = b.trainableParameters().get(key).getGradient().toFloatArray();
            double scale = 0;
            for (float v : g2) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertThat(scale).as(key + " has a gradient").isPositive();
            assertThat(maxAbsDiff(g1, g2)).as(key).isLessThan(tolerance.applyAsDouble(scale));
        }
    }

    /** Both adapters (made with one seed, so one A) get the same non-zero B: a fresh LoRA's B is zero. */
    private static void sameNonZeroB(LoraAdapter a, LoraAdapter b) {
        Random r = new Random(5);
        for (String key : a.trainableParameters().keySet()) {
            if (key.contains(".lora_B.")) {
                float[] v = new float[(int) a.trainableParameters().get(key).size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * 0.2);
                }
                a.trainableParameters().get(key).set(FloatBuffer.wrap(v));
                b.trainableParameters().get(key).set(FloatBuffer.wrap(v));
            }
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
