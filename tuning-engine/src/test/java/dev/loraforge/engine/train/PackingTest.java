package dev.loraforge.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.loraforge.engine.data.Batch;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.lora.PrefixAdapter;
import dev.loraforge.engine.model.Family;
import dev.loraforge.engine.model.LayerwiseBackward;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.ModelFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sequence packing: the layout of packed rows, and the loss and gradients of the unpacked batch. */
class PackingTest {

    private static EncodedExample example(Random random, int length, boolean promptMasked) {
        int[] ids = new int[length];
        int[] labels = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = 5 + random.nextInt(4000);
            labels[i] = promptMasked && i < length / 2 ? EncodedExample.IGNORE : ids[i];
        }
        return new EncodedExample(ids, labels);
    }

    @Test
    void examplesArePackedFirstFitDecreasingIntoRowsOfTheLongestWithPositionsAndSegmentsPerExample() {
        Random random = new Random(1);
        List<EncodedExample> examples = List.of(example(random, 3, false), example(random, 5, false),
                example(random, 2, false), example(random, 4, false));
        Batch plain = new Batch(examples, 0);
        Batch packed = Batch.packed(examples, 0);
        assertEquals(4, plain.size());
        // capacity 5: [5], [4], [3, 2]
        assertEquals(3, packed.size());
        assertEquals(5, packed.length());
        assertEquals(4, packed.examples());
        assertEquals(plain.tokens(), packed.tokens());
        assertEquals(plain.targetTokens(), packed.targetTokens());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 0, 1, 2, 3, 0, 0, 1, 2, 0, 1}, packed.positions());
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 2, 2}, packed.segments());
        long[] ids = packed.ids();
        long[] targets = packed.targets();
        EncodedExample three = examples.get(0);
        EncodedExample two = examples.get(2);
        // row 2 holds the 3-token example then the 2-token one; no target crosses from one into the other
        assertEquals(three.inputIds()[0], ids[10]);
        assertEquals(two.inputIds()[0], ids[13]);
        assertEquals(three.labels()[1], targets[10]);
        assertEquals(EncodedExample.IGNORE, targets[12], "the last token of an example predicts nothing");
        assertEquals(two.labels()[1], targets[13]);
        assertEquals(EncodedExample.IGNORE, targets[14]);
        assertEquals(EncodedExample.IGNORE, targets[9], "padding");
        assertThrows(IllegalStateException.class, plain::positions);
    }

    /**
     * The same examples, unpacked (one per row, padded) and packed (several per row): the same summed loss and
     * the same gradient of every adapter parameter, with and without layer-wise recomputation, for a Llama and
     * for a Gemma 3 whose sliding window (3) is shorter than the examples.
     */
    @Test
    void packedRowsGiveTheLossAndGradientsOfTheUnpackedBatch(@TempDir Path dir) {
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, dir.resolve("llama"), 3);
        LlamaConfig gemma = TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, Family.GEMMA3_TEXT, dir.resolve("g"), 3);
        ModelFixtures.writeRandomModel(dir.resolve("gemma"), gemma.toBuilder().slidingWindow(3).build(), 3);
        Random random = new Random(7);
        List<EncodedExample> examples = new ArrayList<>();
        for (int length : new int[] {9, 4, 3, 6, 2, 5}) {
            examples.add(example(random, length, length > 3));
        }
        for (String name : List.of("llama", "gemma")) {
            try (LlamaModel model = LlamaModel.load(dir.resolve(name));
                    LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of(LoraConfig.ALL_LINEAR)), 5)) {
                for (var e : lora.trainableParameters().entrySet()) {
                    if (e.getKey().contains("lora_B")) {
                        e.getValue().addi(0.03f);
                    }
                }
                Batch plain = new Batch(examples, 0);
                Batch packed = Batch.packed(examples, 0);
                assertTrue(packed.size() < plain.size(), "several examples share a row");
                for (boolean layerwise : new boolean[] {false, true}) {
                    Result want = lossAndGradients(model, lora, plain, layerwise);
                    Result got = lossAndGradients(model, lora, packed, layerwise);
                    String what = name + (layerwise ? ", layer-wise" : "");
                    assertTrue(want.loss > 1, what + ": a loss worth comparing");
                    assertEquals(want.loss, got.loss, 1e-5 * want.loss, what);
                    for (var e : want.grads.entrySet()) {
                        float max = 0;
                        for (float v : e.getValue()) {
                            max = Math.max(max, Math.abs(v));
                        }
                        assertTrue(max > 0, what + ": " + e.getKey() + " has a gradient");
                        assertArrayEquals(e.getValue(), got.grads.get(e.getKey()), 1e-4f * max, what + ": " + e.getKey());
                    }
                }
            }
        }
    }

    @Test
    void fineTuneLoopWithPackingFollowsTheUnpackedRunAndPrefixTuningIsRefused(@TempDir Path dir) {
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, dir, 4);
        Random random = new Random(3);
        List<EncodedExample> examples = new ArrayList<>();
        for (int length : new int[] {12, 5, 7, 3, 9, 4, 6, 8}) {
            examples.add(example(random, length, true));
        }
        TrainConfig.Builder config = TrainConfig.builder().learningRate(1e-2).batchSize(4).maxSteps(3).shuffle(false).seed(2);
        List<List<Double>> losses = new ArrayList<>();
        try (LlamaModel model = LlamaModel.load(dir)) {
            for (boolean packing : new boolean[] {false, true}) {
                try (LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of("q_proj", "v_proj")), 1);
                        FineTuneLoop loop = new FineTuneLoop(model, lora, config.packing(packing).build(), examples, List.of(), 0)) {
                    losses.add(loop.run().losses());
                }
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(losses.get(0).get(i), losses.get(1).get(i), 1e-4, "step " + (i + 1) + ": " + losses);
            }
            try (PrefixAdapter prefix = PrefixAdapter.create(model, 2, 1)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> new FineTuneLoop(model, prefix, config.packing(true).build(), examples, List.of(), 0));
                assertTrue(e.getMessage().contains("packing cannot be used with prefix tuning"), e.getMessage());
            }
        }
    }

    private record Result(double loss, Map<String, float[]> grads) {
    }

    private static Result lossAndGradients(LlamaModel model, LoraAdapter lora, Batch b, boolean layerwise) {
        Map<String, float[]> grads = new LinkedHashMap<>();
        double loss;
        model.setTraining(true);
        try (NDManager m = model.manager().newSubManager()) {
            NDArray ids = b.idsArray(m);
            NDArray mask = b.maskArray(m);
            NDArray positions = b.isPacked() ? b.positionsArray(m) : null;
            NDArray segments = b.isPacked() ? b.segmentsArray(m) : null;
            if (layerwise) {
                loss = LayerwiseBackward.runFromHidden(model, lora, ids, mask, positions, segments,
                        hidden -> CrossEntropy.sumNllFromHidden(model, hidden, b.targets()), 1f, 9);
            } else {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray hidden = b.isPacked()
                            ? model.hiddenStatesPacked(ids, positions, segments, lora)
                            : model.hiddenStates(ids, mask, null, lora);
                    NDArray value = CrossEntropy.sumNllFromHidden(model, hidden, b.targets());
                    gc.backward(value);
                    loss = value.getFloat();
                }
            }
            grads.putAll(AdapterGradients.take(lora, m));
        } finally {
            model.setTraining(false);
        }
        return new Result(loss, grads);
    }
}
