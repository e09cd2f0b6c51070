package dev.loraforge.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.lora.PrefixAdapter;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTuneLoopTest {

    @TempDir
    static Path modelDir;
    static List<EncodedExample> pirate;

    @BeforeAll
    static void setUp() throws Exception {
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, modelDir, 11);
        try (ModelTokenizer tok = ModelTokenizer.load(modelDir)) {
            var examples = DatasetValidator.parse(DemoDatasets.open(DemoDatasets.PIRATE), 5).examples();
            pirate = new ExampleEncoder(tok, 128).encodeAll(examples).examples();
        }
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> arrays) {
        Map<String, float[]> out = new HashMap<>();
        arrays.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static TrainConfig.Builder base() {
        return TrainConfig.builder().learningRate(1e-2).batchSize(2).maxSteps(3).seed(5).maxGradNorm(1.0);
    }

    @Test
    void gradientCheckpointingTrainsTheSameAdapterAsKeepingActivations() {
        Map<String, float[]> kept;
        Map<String, float[]> recomputed;
        try (LlamaModel model = LlamaModel.load(modelDir);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0.0, List.of(LoraConfig.ALL_LINEAR)), 3);
                FineTuneLoop loop = new FineTuneLoop(model, lora, base().maxSteps(3).build(), pirate, List.of(), 0)) {
            assertFalse(model.layerwiseRecompute(), "a float32 base keeps its activations by default");
            loop.run();
            kept = snapshot(lora.trainableParameters());
        }
        try (LlamaModel model = LlamaModel.load(modelDir);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0.0, List.of(LoraConfig.ALL_LINEAR)), 3);
                FineTuneLoop loop = new FineTuneLoop(model, lora, base().maxSteps(3).gradientCheckpointing(true).build(),
                        pirate, List.of(), 0)) {
            loop.run();
            recomputed = snapshot(lora.trainableParameters());
        }
        assertEquals(kept.keySet(), recomputed.keySet());
        for (String key : kept.keySet()) {
            float[] a = kept.get(key);
            float[] b = recomputed.get(key);
            double max = 0;
            for (int i = 0; i < a.length; i++) {
                max = Math.max(max, Math.abs(a[i] - b[i]));
            }
            assertTrue(max < 1e-5, key + " differs by " + max);
        }
    }

    @Test
    void aStepChangesOnlyAdapterParametersAndBBeforeA() {
        try (LlamaModel model = LlamaModel.load(modelDir);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0.0, List.of("q_proj", "v_proj")), 3)) {
            Map<String, float[]> baseBefore = snapshot(model.weights());
            Map<String, float[]> loraBefore = snapshot(lora.trainableParameters());
            try (FineTuneLoop loop = new FineTuneLoop(model, lora, base().maxSteps(2).build(), pirate, List.of(), 0)) {
                List<Map<String, float[]>> after = new ArrayList<>();
                loop.listener(new ProgressListener() {
                    @Override
                    public void onStep(StepProgress p) {
                        after.add(snapshot(lora.trainableParameters()));
                    }
                }).run();
                assertEquals(2, after.size());
                for (String key : loraBefore.keySet()) {
                    boolean changed1 = !java.util.Arrays.equals(loraBefore.get(key), after.get(0).get(key));
                    boolean changed2 = !java.util.Arrays.equals(after.get(0).get(key), after.get(1).get(key));
                    if (key.contains("lora_B")) {
                        assertTrue(changed1, key + " moves at step 1");
                    } else {
                        // B = 0 makes dL/dA = 0 at step 1 (and no weight decay): A only moves from step 2
                        assertFalse(changed1, key + " is unchanged at step 1");
                        assertTrue(changed2, key + " moves at step 2");
                    }
                }
            }
            Map<String, float[]> baseAfter = snapshot(model.weights());
            assertEquals(baseBefore.keySet(), baseAfter.keySet());
            for (String key : baseBefore.keySet()) {
                assertArrayEquals(baseBefore.get(key), baseAfter.get(key), 0f, "base weight " + key + " is frozen");
            }
            assertEquals(2 * 2 * 2, lora.trainableParameters().size(), "A and B for q,v in 2 layers; optimizer has exactly these");
        }
    }

    @Test
    void stepsLeaveNoArraysBehindInLongLivedManagers() {
        try (LlamaModel model = LlamaModel.load(modelDir);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0.1, List.of("q_proj", "v_proj")), 3)) {
            // a first run lets the model build its lazy caches (RoPE tables, masks) in its own manager
            try (FineTuneLoop warm = new FineTuneLoop(model, lora, base().maxSteps(1).build(), pirate, pirate.subList(0, 2), 0)) {
                warm.run();
            }
            int before = model.manager().getManagedArrays().size();
            List<Integer> during = new ArrayList<>();
            try (FineTuneLoop loop = new FineTuneLoop(model, lora, base().maxSteps(6).gradAccumulation(2).evalEvery(2).build(),
                    pirate, pirate.subList(0, 2), 0)) {
                loop.listener(new ProgressListener() {
                    @Override
                    public void onStep(StepProgress p) {
                        during.add(model.manager().getManagedArrays().size());
                    }
                }).run();
            }
            assertEquals(6, during.size());
            assertEquals(java.util.Collections.nCopies(6, during.get(0)), during, "array count is flat across steps");
            assertEquals(before, model.manager().getManagedArrays().size(), "closing the loop frees the optimizer state");
        }
    }

    @Test
    void aNonFiniteLossStopsTrainingWithAClearErrorAndNoUpdate() {
        try (LlamaModel model = LlamaModel.load(modelDir);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of("q_proj", "v_proj")), 3)) {
            // one infinite value in a B matrix: the forward overflows and the loss is NaN from the first step
            NDArray b = lora.trainableParameters().get("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight");
            float[] values = b.toFloatArray();
            values[0] = Float.POSITIVE_INFINITY;
            b.set(values);
            Map<String, float[]> before = snapshot(lora.trainableParameters());
            try (FineTuneLoop loop = new FineTuneLoop(model, lora, base().maxSteps(3).batchSize(4).build(),
                    pirate.subList(0, 4), List.of(), 0)) {
                TrainingDivergedException e = assertThrows(TrainingDivergedException.class, loop::run);
                assertEquals(1, e.step());
                assertTrue(e.getMessage().startsWith("training diverged at step 1: the loss is "), e.getMessage());
                assertTrue(e.getMessage().contains("(not finite)"), e.getMessage());
                assertTrue(e.getMessage().contains("Lower the learning rate"), e.getMessage());
            }
            snapshot(lora.trainableParameters()).forEach((k, v) -> assertArrayEquals(before.get(k), v, 0f,
                    k + ": no optimizer step on a non-finite gradient"));
        }
    }

    @Test
    void prefixTuningTrainsOnlyThePrefixAndLowersTheLoss() {
        try (LlamaModel model = LlamaModel.load(modelDir);
                PrefixAdapter prefix = PrefixAdapter.create(model, 4, 3)) {
            Map<String, float[]> baseBefore = snapshot(model.weights());
            Map<String, float[]> prefixBefore = snapshot(prefix.trainableParameters());
            assertEquals(java.util.Set.of("prompt_embeddings"), prefixBefore.keySet());
            TrainResult r;
            try (FineTuneLoop loop = new FineTuneLoop(model, prefix, base().maxSteps(12).batchSize(4).learningRate(1e-1)
                    .schedule(LrSchedule.Kind.CONSTANT).build(),
                    pirate.subList(0, 4), List.of(), 0)) {
                r = loop.run();
            }
            // the same full batch every step: the loss must fall at every step
            for (int i = 1; i < r.losses().size(); i++) {
                assertTrue(r.losses().get(i) < r.losses().get(i - 1), "loss falls at step " + (i + 1) + ": " + r.losses());
            }
            assertTrue(r.finalLoss() < r.losses().get(0) - 0.2, "loss falls: " + r.losses());
            assertFalse(java.util.Arrays.equals(prefixBefore.get("prompt_embeddings"),
                    prefix.trainableParameters().get("prompt_embeddings").toFloatArray()));
            snapshot(model.weights()).forEach((k, v) -> assertArrayEquals(baseBefore.get(k), v, 0f, k));
        }
    }

    @Test
    void accumulatingTwoBatchesOfOneEqualsOneBatchOfTwo() {
        EncodedExample first = pirate.get(0);
        EncodedExample other = pirate.stream().filter(e -> e.length() != first.length()).findFirst().orElseThrow();
        List<EncodedExample> two = List.of(first, other);
        assertTrue(two.get(0).length() != two.get(1).length(), "examples of different lengths exercise padding");
        Map<String, float[]> big;
        double bigLoss;
        Map<String, float[]> acc;
        double accLoss;
        LoraConfig cfg = LoraConfig.of(4, 8, 0.0, List.of("q_proj", "k_proj", "v_proj", "o_proj"));
        try (LlamaModel model = LlamaModel.load(modelDir)) {
            try (LoraAdapter lora = LoraAdapter.create(model, cfg, 3);
                    FineTuneLoop loop = new FineTuneLoop(model, lora, base().batchSize(2).gradAccumulation(1).maxSteps(2).shuffle(false).build(), two, List.of(), 0)) {
                TrainResult r = loop.run();
                big = snapshot(lora.trainableParameters());
                bigLoss = r.losses().get(1);
            }
            try (LoraAdapter lora = LoraAdapter.create(model, cfg, 3);
                    FineTuneLoop loop = new FineTuneLoop(model, lora, base().batchSize(1).gradAccumulation(2).maxSteps(2).shuffle(false).build(), two, List.of(), 0)) {
                TrainResult r = loop.run();
                acc = snapshot(lora.trainableParameters());
                accLoss = r.losses().get(1);
            }
        }
        assertEquals(bigLoss, accLoss, 1e-5);
        // parameters within 1% of the learning rate: Adam divides by sqrt(v), so where the two moments of an element
        // nearly cancel (m ~ 0), float-order differences of 1e-7 in the gradient move that element by a few thousandths of lr
        for (String key : big.keySet()) {
            assertArrayEquals(big.get(key), acc.get(key), 1e-4f, key);
        }
    }

    @Test
    void resumedRunFollowsTheUninterruptedOne(@TempDir Path out) {
        // dropout on, batches that wrap around epochs, warmup + cosine, accumulation: everything a resume must restore
        LoraConfig cfg = LoraConfig.of(4, 8, 0.1, List.of("q_proj", "v_proj"));
        List<EncodedExample> five = pirate.subList(0, 5);
        TrainConfig tc = base().maxSteps(6).batchSize(2).gradAccumulation(2).warmupSteps(2)
                .schedule(LrSchedule.Kind.COSINE).weightDecay(0.01).checkpointEvery(3).build();
        List<Double> full;
        List<Double> fullAccuracies;
        Map<String, float[]> fullParams;
        try (LlamaModel model = LlamaModel.load(modelDir)) {
            try (LoraAdapter lora = LoraAdapter.create(model, cfg, 3);
                    FineTuneLoop loop = new FineTuneLoop(model, lora, tc, five, List.of(), 0)) {
                TrainResult r = loop.checkpointDir(out.resolve("a")).run();
                full = r.losses();
                fullAccuracies = r.accuracies();
                fullParams = snapshot(lora.trainableParameters());
                assertEquals(out.resolve("a").resolve("checkpoint-6"), r.lastCheckpoint());
            }
            Path ckpt = out.resolve("a").resolve("checkpoint-3");
            assertTrue(Files.isRegularFile(ckpt.resolve("adapter/adapter_model.safetensors")));
            assertTrue(Files.isRegularFile(ckpt.resolve(Checkpoint.OPTIMIZER_FILE)));
            assertEquals(3, Checkpoint.readState(ckpt).globalStep());
            assertEquals(ckpt.getParent().resolve("checkpoint-6"), Checkpoint.latest(out.resolve("a")).orElseThrow());
            // a fresh adapter with another init seed: everything must come from the checkpoint
            try (LoraAdapter lora = LoraAdapter.create(model, cfg, 99);
                    FineTuneLoop loop = new FineTuneLoop(model, lora, tc, five, List.of(), 0)) {
                TrainResult r = loop.checkpointDir(out.resolve("b")).resume(ckpt);
                assertEquals(6, r.steps());
                assertEquals(6, r.losses().size());
                for (int i = 0; i < 6; i++) {
                    assertEquals(full.get(i), r.losses().get(i), 1e-5, "loss of step " + (i + 1));
                }
                // accuracies of steps 1-3 come back from the checkpoint, 4-6 are computed again on the same state
                assertEquals(fullAccuracies.subList(0, 3), r.accuracies().subList(0, 3));
                assertEquals(6, r.accuracies().size());
                for (int i = 3; i < 6; i++) {
                    assertEquals(fullAccuracies.get(i), r.accuracies().get(i), 1e-9, "accuracy of step " + (i + 1));
                }
                assertEquals(7, StepMetricsCsv.of(r).lines().count(), "header and one row per step");
                Map<String, float[]> resumed = snapshot(lora.trainableParameters());
                for (String key : fullParams.keySet()) {
                    assertArrayEquals(fullParams.get(key), resumed.get(key), 1e-6f, key);
                }
            }
            // a resume with other settings is refused, naming the setting
            try (LoraAdapter lora = LoraAdapter.create(model, cfg, 3);
                    FineTuneLoop loop = new FineTuneLoop(model, lora, tc.toBuilder().batchSize(3).build(), five, List.of(), 0)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loop.resume(ckpt));
                assertTrue(e.getMessage().contains("batch_size 2 vs 3"), e.getMessage());
            }
        }
        assertTrue(full.get(5) < full.get(0), "loss decreases over 6 steps: " + full);
    }

    @Test
    void sameSeedSameRunAndCancellationStopsBetweenSteps() {
        LoraConfig cfg = LoraConfig.of(4, 8, 0.1, List.of("q_proj", "v_proj"));
        List<List<Double>> runs = new ArrayList<>();
        try (LlamaModel model = LlamaModel.load(modelDir)) {
            for (int i = 0; i < 2; i++) {
                try (LoraAdapter lora = LoraAdapter.create(model, cfg, 3);
                        FineTuneLoop loop = new FineTuneLoop(model, lora, base().build(), pirate, List.of(), 0)) {
                    runs.add(loop.run().losses());
                }
            }
            assertEquals(runs.get(0), runs.get(1), "bit-identical losses for the same seed");
            CancellationToken token = new CancellationToken();
            List<Long> steps = new ArrayList<>();
            try (LoraAdapter lora = LoraAdapter.create(model, cfg, 3);
                    FineTuneLoop loop = new FineTuneLoop(model, lora, base().maxSteps(10).build(), pirate, pirate.subList(0, 3), 0)) {
                TrainResult r = loop.cancellation(token).listener(new ProgressListener() {
                    @Override
                    public void onStep(StepProgress p) {
                        steps.add(p.step());
                        assertEquals(10, p.totalSteps());
                        assertTrue(p.tokensPerSecond() > 0 && p.eta() != null && p.learningRate() > 0);
                        if (p.step() == 2) {
                            token.cancel();
                        }
                    }
                }).run();
                assertEquals(TrainResult.CANCELLED, r.status());
                assertEquals(2, r.steps());
                assertEquals(List.of(1L, 2L), steps);
                assertTrue(Double.isNaN(r.valLoss()), "no validation after a cancel");
            }
        }
    }

    @Test
    void validationLossAndPerplexity() {
        try (LlamaModel model = LlamaModel.load(modelDir);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0.0, List.of("q_proj", "v_proj")), 3);
                FineTuneLoop loop = new FineTuneLoop(model, lora, base().maxSteps(1).learningRate(1e-6).build(), pirate, pirate.subList(0, 4), 0)) {
            double[] seen = new double[3];
            TrainResult r = loop.listener(new ProgressListener() {
                @Override
                public void onValidation(long step, double loss, double perplexity, double accuracy) {
                    seen[0] = loss;
                    seen[1] = perplexity;
                    seen[2] = accuracy;
                }
            }).run();
            // independent check: per-example forwards without padding, log-softmax in Java
            double nll = 0;
            long count = 0;
            long correct = 0;
            for (EncodedExample e : pirate.subList(0, 4)) {
                try (ai.djl.ndarray.NDManager m = model.manager().newSubManager()) {
                    long[] ids = java.util.Arrays.stream(e.inputIds()).asLongStream().toArray();
                    float[] logits = model.forward(m.create(ids, new ai.djl.ndarray.types.Shape(1, ids.length)), null, null, lora).toFloatArray();
                    int v = logits.length / ids.length;
                    for (int t = 0; t + 1 < ids.length; t++) {
                        int target = e.labels()[t + 1];
                        if (target == EncodedExample.IGNORE) {
                            continue;
                        }
                        double max = Double.NEGATIVE_INFINITY;
                        int argmax = -1;
                        for (int k = 0; k < v; k++) {
                            if (logits[t * v + k] > max) {
                                max = logits[t * v + k];
                                argmax = k;
                            }
                        }
                        correct += argmax == target ? 1 : 0;
                        double sum = 0;
                        for (int k = 0; k < v; k++) {
                            sum += Math.exp(logits[t * v + k] - max);
                        }
                        nll += max + Math.log(sum) - logits[t * v + target];
                        count++;
                    }
                }
            }
            assertEquals(nll / count, r.valLoss(), 1e-4);
            assertEquals(r.valLoss(), seen[0], 0);
            assertEquals(Math.exp(r.valLoss()), r.perplexity(), 1e-9);
            assertEquals(Math.exp(seen[0]), seen[1], 1e-9);
            // mean token accuracy: argmax == target over the counted positions, against the same per-example forwards
            assertEquals((double) correct / count, seen[2], 1e-12);
            assertEquals(seen[2], r.validMeanTokenAccuracy(), 0);
            assertEquals(seen[2], (Double) r.metrics().get("valid_mean_token_accuracy"), 0);
            assertEquals(1, r.accuracies().size());
            assertTrue(r.accuracies().get(0) >= 0 && r.accuracies().get(0) <= 1, "train accuracy " + r.accuracies());
            assertEquals(1L, r.metrics().get("steps"));
            assertTrue((Double) r.metrics().get("tokens_per_second") > 0);
        }
    }
}
