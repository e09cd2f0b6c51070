package dev.loraforge.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.EncodedPreference;
import dev.loraforge.engine.fixtures.PreferencePairs;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.lora.PrefixAdapter;
import dev.loraforge.engine.model.LlamaModel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short DPO run on 12 pirate-over-butler pairs learns to prefer the chosen answers. */
class DpoTrainingTest {

    @TempDir
    static Path modelDir;
    static List<EncodedPreference> pairs;
    static int padId;

    @BeforeAll
    static void setUp() throws Exception {
        PreferencePairs.Encoded encoded = PreferencePairs.tinyModelPairs(modelDir, 12, 128);
        pairs = encoded.pairs();
        padId = encoded.padId();
    }

    @Test
    void rewardAccuracyRisesAboveNinetyPercent() {
        assertEquals(12, pairs.size());
        try (LlamaModel model = LlamaModel.load(modelDir);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(8, 16, 0.0, List.of(LoraConfig.ALL_LINEAR)), 3);
                DpoLoop loop = new DpoLoop(model, lora, TrainConfig.builder().learningRate(5e-3).batchSize(4).maxSteps(15)
                        .seed(1).build(), DpoConfig.defaults(), pairs, padId)) {
            DpoMetrics before = DpoMetrics.of(DpoLoop.evaluate(model, lora, pairs, 4, padId), 0.1);
            DpoLoop.Result r = loop.run();
            DpoMetrics after = DpoMetrics.of(DpoLoop.evaluate(model, lora, pairs, 4, padId), 0.1);
            assertEquals(Math.log(2), before.loss(), 1e-6);
            assertTrue(after.rewardsAccuracies() > 0.9, "rewards/accuracies " + after.rewardsAccuracies());
            assertTrue(after.rewardsMargins() > 0, "rewards/margins " + after.rewardsMargins());
            assertTrue(after.loss() < 0.5, "loss " + after.loss());
            assertEquals(15, r.history().size());
            assertTrue(r.metrics().containsKey("rewards/accuracies"));
        }
    }

    @Test
    void aCancelledRunResumedFromItsCheckpointFollowsTheUninterruptedOne(@TempDir Path out) {
        // 12 pairs in batches of 5: batches wrap around epochs, and after step 1 seven pairs have no cached reference
        // yet (the resumed run computes them); warmup + cosine, weight decay: all must come back
        LoraConfig cfg = LoraConfig.of(4, 8, 0.0, List.of("q_proj", "v_proj"));
        TrainConfig tc = TrainConfig.builder().learningRate(5e-3).batchSize(5).maxSteps(6).seed(2).warmupSteps(2)
                .schedule(LrSchedule.Kind.COSINE).weightDecay(0.01).checkpointEvery(2).build();
        DpoConfig dpo = new DpoConfig(0.1);
        try (LlamaModel model = LlamaModel.load(modelDir)) {
            DpoLoop.Result full;
            Map<String, float[]> fullParams;
            try (LoraAdapter lora = LoraAdapter.create(model, cfg, 3); DpoLoop loop = new DpoLoop(model, lora, tc, dpo, pairs, padId)) {
                full = loop.checkpointDir(out.resolve("full")).run();
                fullParams = snapshot(lora.trainableParameters());
                assertEquals(out.resolve("full").resolve("checkpoint-6"), full.lastCheckpoint());
            }
            // stopped after step 1 (between checkpoints): the run saves checkpoint-1 and says cancelled
            CancellationToken token = new CancellationToken();
            try (LoraAdapter lora = LoraAdapter.create(model, cfg, 3); DpoLoop loop = new DpoLoop(model, lora, tc, dpo, pairs, padId)) {
                DpoLoop.Result stopped = loop.checkpointDir(out.resolve("a")).cancellation(token).listener(new ProgressListener() {
                    @Override
                    public void onStep(StepProgress p) {
                        if (p.step() == 1) {
                            token.cancel();
                        }
                    }
                }).run();
                assertEquals(TrainResult.CANCELLED, stopped.status());
                assertEquals(1, stopped.steps());
                assertEquals(out.resolve("a").resolve("checkpoint-1"), stopped.lastCheckpoint());
            }
            Path ckpt = out.resolve("a").resolve("checkpoint-1");
            TrainState state = Checkpoint.readState(ckpt);
            assertEquals(0.1, state.dpo().beta());
            assertEquals(full.history().subList(0, 1), state.dpo().history());
            assertEquals(12, state.dpo().reference().size());
            assertEquals(5, state.dpo().reference().stream().filter(java.util.Objects::nonNull).count());
            List<double[]> fullReference = Checkpoint.readState(full.lastCheckpoint()).dpo().reference();
            // a fresh adapter with another init seed: everything must come from the checkpoint
            try (LoraAdapter lora = LoraAdapter.create(model, cfg, 99); DpoLoop loop = new DpoLoop(model, lora, tc, dpo, pairs, padId)) {
                DpoLoop.Result r = loop.checkpointDir(out.resolve("b")).resume(ckpt);
                assertEquals(TrainResult.COMPLETED, r.status());
                assertEquals(6, r.history().size());
                for (int i = 0; i < 6; i++) {
                    assertEquals(full.history().get(i).loss(), r.history().get(i).loss(), 1e-5, "loss of step " + (i + 1));
                    assertEquals(full.history().get(i).rewardsMargins(), r.history().get(i).rewardsMargins(), 1e-5,
                            "rewards/margins of step " + (i + 1));
                }
                for (int i = 0; i < pairs.size(); i++) {
                    assertArrayEquals(fullReference.get(i), loop.referenceLogps(i), 1e-9, "reference of pair " + i);
                }
                Map<String, float[]> resumed = snapshot(lora.trainableParameters());
                for (String key : fullParams.keySet()) {
                    assertArrayEquals(fullParams.get(key), resumed.get(key), 1e-6f, key);
                }
                assertTrue(r.history().get(5).loss() < Math.log(2), "the DPO loss fell below ln 2: " + r.history());
            }
            // another beta, a supervised loop, a DPO loop on a supervised checkpoint: refused, saying why
            try (LoraAdapter lora = LoraAdapter.create(model, cfg, 3);
                    DpoLoop loop = new DpoLoop(model, lora, tc, new DpoConfig(0.2), pairs, padId)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loop.resume(ckpt));
                assertTrue(e.getMessage().contains("beta 0.1 vs 0.2"), e.getMessage());
            }
            List<EncodedExample> chosen = pairs.stream().map(EncodedPreference::chosen).toList();
            try (LoraAdapter lora = LoraAdapter.create(model, cfg, 3);
                    FineTuneLoop sft = new FineTuneLoop(model, lora, tc, chosen, List.of(), padId)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sft.resume(ckpt));
                assertTrue(e.getMessage().contains("is of a DPO run (beta 0.1)"), e.getMessage());
                Path sftCheckpoint = sft.checkpointDir(out.resolve("sft")).run().lastCheckpoint();
                try (DpoLoop loop = new DpoLoop(model, lora, tc, dpo, pairs, padId)) {
                    IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> loop.resume(sftCheckpoint));
                    assertTrue(e2.getMessage().contains("from a supervised fine-tuning checkpoint"), e2.getMessage());
                }
            }
        }
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> arrays) {
        Map<String, float[]> copy = new HashMap<>();
        arrays.forEach((k, v) -> copy.put(k, v.toFloatArray()));
        return copy;
    }

    @Test
    void prefixAdaptersAreRefused() {
        try (LlamaModel model = LlamaModel.load(modelDir); PrefixAdapter prefix = PrefixAdapter.create(model, 4, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new DpoLoop(model, prefix, TrainConfig.builder().build(), DpoConfig.defaults(), pairs, padId));
            assertTrue(e.getMessage().contains("PREFIX_TUNING adapters are not supported with DPO"), e.getMessage());
        }
    }
}
