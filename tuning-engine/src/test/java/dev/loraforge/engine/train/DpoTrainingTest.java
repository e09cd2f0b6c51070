package dev.loraforge.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loraforge.engine.data.EncodedPreference;
import dev.loraforge.engine.fixtures.PreferencePairs;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.lora.PrefixAdapter;
import dev.loraforge.engine.model.LlamaModel;
import java.nio.file.Path;
import java.util.List;
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
    void prefixAdaptersAreRefused() {
        try (LlamaModel model = LlamaModel.load(modelDir); PrefixAdapter prefix = PrefixAdapter.create(model, 4, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new DpoLoop(model, prefix, TrainConfig.builder().build(), DpoConfig.defaults(), pairs, padId));
            assertTrue(e.getMessage().contains("PREFIX_TUNING adapters are not supported with DPO"), e.getMessage());
        }
    }
}
