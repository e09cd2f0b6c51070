package dev.loraforge.engine.quant;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.loraforge.engine.data.Batch;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.Example;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.generate.GenerationOptions;
import dev.loraforge.engine.generate.Generator;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.LayerwiseBackward;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.QuantizedWeight;
import dev.loraforge.engine.model.WeightSet;
import dev.loraforge.engine.reference.TestModels;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import dev.loraforge.engine.train.CrossEntropy;
import dev.loraforge.engine.train.FineTuneLoop;
import dev.loraforge.engine.train.LrSchedule;
import dev.loraforge.engine.train.TrainConfig;
import dev.loraforge.engine.train.TrainResult;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** QLoRA: LoRA on a base that stays NF4 in memory, dequantized per matmul and again for the backward pass. */
class QloraTest {

    @TempDir
    Path dir;

    private static final LoraConfig ALL = LoraConfig.of(4, 8, 0.0, List.of(LoraConfig.ALL_LINEAR));

    /** Same A (same seed) and the same random B on both adapters. */
    private static void sameRandomB(LoraAdapter a, LoraAdapter b, long seed) {
        Random r = new Random(seed);
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

    private Path qwen2() {
        Path src = dir.resolve("qwen2");
        QuantTestModels.write(src, QuantTestModels.qwen2(), 9, SafeDType.F32);
        return src;
    }

    @Test
    void qloraLogitsEqualLoraLogitsOnTheDequantizedWeights() {
        LlamaConfig config = QuantTestModels.qwen2();
        int[][] ids = TestModels.randomIds(2, 2, 11, config.vocabSize());
        try (LlamaModel q = ModelQuantizer.loadQuantized(qwen2(), QuantScheme.NF4_DQ);
                NDManager m = q.manager().newSubManager(); LlamaModel dense = QuantTestModels.dequantizedCopy(q, m);
                LoraAdapter qa = LoraAdapter.create(q, ALL, 1); LoraAdapter da = LoraAdapter.create(dense, ALL, 1)) {
            sameRandomB(qa, da, 2);
            float[] qlora = q.forward(TestModels.ids(m, ids), null, null, qa).toFloatArray();
            float[] lora = dense.forward(TestModels.ids(m, ids), null, null, da).toFloatArray();
            float[] base = dense.forward(TestModels.ids(m, ids), null, null, null).toFloatArray();
            assertThat(ModelQuantizerTest.maxAbsDiff(qlora, lora)).isLessThan(1e-5);
            assertThat(ModelQuantizerTest.maxAbsDiff(lora, base)).as("the adapter matters").isGreaterThan(0.1);
        }
    }

    @Test
    void mergingIntoAQuantizedBaseWritesTheFullPrecisionModelItComputes() {
        LlamaConfig config = QuantTestModels.qwen2();
        Path src = qwen2();
        Path q = dir.resolve("q");
        ModelQuantizer.quantize(src, QuantScheme.NF4_DQ, q);
        int[][] ids = TestModels.randomIds(6, 1, 8, config.vocabSize());
        Path merged = dir.resolve("merged");
        float[] qlora;
        try (LlamaModel base = LlamaModel.load(q); LoraAdapter lora = LoraAdapter.create(base, ALL, 1);
                LoraAdapter twin = LoraAdapter.create(base, ALL, 1); NDManager m = base.manager().newSubManager()) {
            sameRandomB(lora, twin, 8);
            qlora = base.forward(TestModels.ids(m, ids), null, null, lora).toFloatArray();
            dev.loraforge.engine.lora.LoraMerge.merge(base, lora, merged);
        }
        assertThat(dev.loraforge.engine.quant.BnbQuantizationConfig.read(merged)).isEmpty();
        try (LlamaModel full = LlamaModel.load(merged); NDManager m = full.manager().newSubManager()) {
            assertThat(full.isQuantized()).isFalse();
            float[] logits = full.forward(TestModels.ids(m, ids), null, null).toFloatArray();
            assertThat(ModelQuantizerTest.maxAbsDiff(logits, qlora)).isLessThan(1e-4);
        }
    }

    @Test
    void layerwiseRecomputationGivesTheGradientsOfOneAutogradPass() {
        LlamaConfig config = QuantTestModels.qwen2();
        int[][] ids = TestModels.randomIds(3, 2, 9, config.vocabSize());
        long[] targets = new long[18];
        Random r = new Random(4);
        for (int i = 0; i < targets.length; i++) {
            targets[i] = i % 9 == 8 ? -100 : r.nextInt(config.vocabSize());
        }
        try (LlamaModel q = ModelQuantizer.loadQuantized(qwen2(), QuantScheme.NF4_DQ);
                NDManager m = q.manager().newSubManager(); LlamaModel dense = QuantTestModels.dequantizedCopy(q, m);
                LoraAdapter qa = LoraAdapter.create(q, ALL, 1); LoraAdapter da = LoraAdapter.create(dense, ALL, 1)) {
            sameRandomB(qa, da, 5);
            assertThat(q.layerwiseRecompute()).isTrue();
            assertThat(dense.layerwiseRecompute()).isFalse();
            double qloraLoss;
            double loraLoss;
            try (NDManager step = m.newSubManager()) {
                NDArray tgt = step.create(targets, new ai.djl.ndarray.types.Shape(2, 9));
                qloraLoss = LayerwiseBackward.run(q, qa, TestModels.ids(step, ids), null, l -> CrossEntropy.sumNll(l, tgt), 0.5f, 7);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = CrossEntropy.sumNll(dense.forward(TestModels.ids(step, ids), null, null, da), tgt);
                    gc.backward(loss.mul(0.5f));
                    loraLoss = loss.getFloat();
                }
            }
            assertThat(qloraLoss).isCloseTo(loraLoss, org.assertj.core.data.Offset.offset(1e-4));
            for (String key : qa.trainableParameters().keySet()) {
                float[] g1 = qa.trainableParameters().get(key).getGradient().toFloatArray();
                float[] g2 = da.trainableParameters().get(key).getGradient().toFloatArray();
                double scale = 0;
                for (float v : g2) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertThat(scale).as(key + " has a gradient").isPositive();
                assertThat(ModelQuantizerTest.maxAbsDiff(g1, g2)).as(key).isLessThan(1e-5 * Math.max(1, scale));
            }
        }
    }

    /** Counts dequantizations of a wrapped weight. */
    private record Counting(QuantizedWeight inner, AtomicInteger calls) implements QuantizedWeight {
        public long[] shape() {
            return inner.shape();
        }

        public String scheme() {
            return inner.scheme();
        }

        public NDArray dequantize(NDManager target) {
            calls.incrementAndGet();
            return inner.dequantize(target);
        }

        public long residentBytes() {
            return inner.residentBytes();
        }
    }

    @Test
    void eachWeightIsDequantizedForTheForwardAndAgainForTheBackwardPass() {
        LlamaConfig config = QuantTestModels.qwen2();
        try (LlamaModel q = ModelQuantizer.loadQuantized(qwen2(), QuantScheme.NF4_DQ)) {
            Map<String, AtomicInteger> counts = new LinkedHashMap<>();
            Map<String, QuantizedWeight> wrapped = new LinkedHashMap<>();
            q.quantizedWeights().forEach((k, w) -> {
                counts.put(k, new AtomicInteger());
                wrapped.put(k, new Counting(w, counts.get(k)));
            });
            try (LlamaModel counted = LlamaModel.fromWeightSet(config, new WeightSet(q.weights(), wrapped),
                    q.manager().newSubManager(), null); LoraAdapter lora = LoraAdapter.create(counted, ALL, 1);
                    NDManager step = counted.manager().newSubManager()) {
                NDArray ids = TestModels.ids(step, TestModels.randomIds(1, 1, 5, config.vocabSize()));
                counted.forward(ids, null, null, lora);
                assertThat(counts.values()).allMatch(c -> c.get() == 1);
                LayerwiseBackward.run(counted, lora, ids, null, l -> l.sum(), 1f, 0);
                assertThat(counts.values()).allMatch(c -> c.get() == 3);
                // nothing trainable in the first layer (here: no adapter at all) is not an error
                LayerwiseBackward.run(counted, null, ids, null, l -> l.sum(), 1f, 0);
                assertThat(counts.values()).allMatch(c -> c.get() == 5);
            }
        }
    }

    @Test
    void trainingMovesOnlyTheAdapterAndMemorisesWithNoFloat32BaseResident() throws Exception {
        Path tiny = dir.resolve("tiny");
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, tiny, 1);
        List<Example.Chat> chats = DatasetValidator.parse(DemoDatasets.open(DemoDatasets.PIRATE), 5).examples().stream()
                .limit(4).map(Example.Chat.class::cast).toList();
        try (ModelTokenizer tok = ModelTokenizer.load(tiny); LlamaModel model = ModelQuantizer.loadQuantized(tiny, QuantScheme.NF4_DQ);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(16, 32, 0.0, List.of(LoraConfig.ALL_LINEAR)), 7)) {
            ExampleEncoder encoder = new ExampleEncoder(tok, 160);
            List<EncodedExample> train = encoder.encodeAll(List.copyOf(chats)).examples();
            Map<String, float[]> denseBefore = snapshot(model.weights());
            Map<String, float[]> baseBefore = dequantized(model);
            Map<String, float[]> loraBefore = snapshot(lora.trainableParameters());
            TrainConfig config = TrainConfig.builder().learningRate(1e-2).maxSteps(60).batchSize(4).warmupSteps(5)
                    .schedule(LrSchedule.Kind.COSINE).seed(3).build();
            TrainResult result;
            try (FineTuneLoop loop = new FineTuneLoop(model, lora, config, train, train, tok.padId())) {
                result = loop.run();
            }
            assertThat(result.losses().get(0)).as("a random model starts near ln(4096)").isGreaterThan(7.5);
            assertThat(result.finalLoss()).as("memorised").isLessThan(0.1);
            assertThat(snapshot(model.weights())).as("embeddings and norms untouched").containsExactlyEntriesOf(denseBefore);
            assertThat(dequantized(model)).as("the NF4 base untouched").containsExactlyEntriesOf(baseBefore);
            snapshot(lora.trainableParameters()).forEach((k, v) -> assertThat(v).as(k + " trained").isNotEqualTo(loraBefore.get(k)));

            Generator generator = new Generator(model);
            for (Example.Chat chat : chats.subList(0, 2)) {
                int[] prompt = tok.encode(encoder.chatTemplate().render(chat.messages().subList(0, chat.messages().size() - 1), true));
                var answer = generator.generate(prompt, lora, GenerationOptions.greedy(80).withEos(List.of(tok.eosId().orElseThrow())));
                assertThat(tok.decode(answer.tokens(), true)).isEqualTo(chat.messages().get(chat.messages().size() - 1).content());
            }

            // what stays in memory: the packed base, float32 embeddings and norms, the adapter; no float32 projection
            long projectionsFp32 = 0;
            long quantizedState = 0;
            List<long[]> projectionShapes = new ArrayList<>();
            for (QuantizedWeight w : model.quantizedWeights().values()) {
                projectionsFp32 += 4 * w.shape()[0] * w.shape()[1];
                quantizedState += w.residentBytes();
                projectionShapes.add(w.shape());
            }
            long denseBytes = model.weights().values().stream().mapToLong(a -> 4 * a.size()).sum();
            long adapterBytes = lora.trainableParameters().values().stream().mapToLong(a -> 4 * a.size()).sum();
            long resident = 0;
            for (NDArray a : model.manager().getManagedArrays()) {
                resident += a.size() * a.getDataType().getNumOfBytes();
                if (a.getDataType() == DataType.FLOAT32) {
                    assertThat(projectionShapes).noneMatch(s -> java.util.Arrays.equals(s, a.getShape().getShape()));
                }
            }
            long other = resident - denseBytes - quantizedState - adapterBytes;
            assertThat(other).as("besides weights, adapter and packed base: code tables and rope/mask caches only")
                    .isLessThan(projectionsFp32 / 4);
            assertThat(quantizedState).isLessThan(projectionsFp32 / 7);
        }
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> arrays) {
        Map<String, float[]> out = new HashMap<>();
        arrays.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static Map<String, float[]> dequantized(LlamaModel model) {
        Map<String, float[]> out = new HashMap<>();
        try (NDManager m = model.manager().newSubManager()) {
            model.quantizedWeights().forEach((k, w) -> out.put(k, w.dequantize(m).toFloatArray()));
        }
        return out;
    }
}
