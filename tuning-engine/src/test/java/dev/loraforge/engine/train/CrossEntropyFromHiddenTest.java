package dev.loraforge.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.Family;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrossEntropyFromHiddenTest {

    @Test
    void lmHeadOnCountedPositionsOnlyGivesTheSameLossAndGradients(@TempDir Path dir) {
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, dir, 4);
        long[] ids = {1, 50, 60, 70, 80, 90, 1, 55, 65, 75, 0, 0};
        long[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
        long[] targets = {-100, -100, 70, 80, 90, -100, -100, 65, 75, -100, -100, -100};
        try (LlamaModel model = LlamaModel.load(dir);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of("q_proj", "v_proj", "down_proj")), 1)) {
            // B != 0 so every adapter parameter gets a gradient
            for (var e : lora.trainableParameters().entrySet()) {
                if (e.getKey().contains("lora_B")) {
                    e.getValue().set(new float[(int) e.getValue().getShape().size()]);
                    e.getValue().addi(0.05f);
                }
            }
            float[][] grads = new float[2][];
            float[] losses = new float[2];
            for (int way = 0; way < 2; way++) {
                try (NDManager m = model.manager().newSubManager()) {
                    NDArray x = m.create(ids, new Shape(2, 6));
                    NDArray am = m.create(mask, new Shape(2, 6));
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = way == 0
                                ? CrossEntropy.sumNll(model.forward(x, am, null, lora), m.create(targets, new Shape(2, 6)))
                                : CrossEntropy.sumNllFromHidden(model, model.hiddenStates(x, am, null, lora), targets);
                        gc.backward(loss);
                        losses[way] = loss.getFloat();
                    }
                    NDArray g = lora.trainableParameters().values().iterator().next().getGradient();
                    g.attach(m);
                    grads[way] = g.toFloatArray();
                    for (NDArray p : lora.trainableParameters().values()) {
                        NDArray gp = p.getGradient();
                        gp.attach(m);
                        gp.muli(0);
                    }
                }
            }
            assertEquals(losses[0], losses[1], 1e-4);
            assertArrayEquals(grads[0], grads[1], 1e-5f);
            double norm = 0;
            for (float v : grads[0]) {
                norm += v * v;
            }
            assertEquals(true, norm > 1e-12, "the compared gradient is not trivially zero");
            try (NDManager m = model.manager().newSubManager()) {
                NDArray hidden = model.hiddenStates(m.create(ids, new Shape(2, 6)), null, null, lora);
                long[] ignored = new long[12];
                java.util.Arrays.fill(ignored, -100L);
                assertEquals(0f, CrossEntropy.sumNllFromHidden(model, hidden, ignored).getFloat(), 0f, "no counted position: loss 0");
            }
        }
    }

    /**
     * The chunked LM head loss (gradient computed by hand, chunk by chunk) against autograd through the full
     * logits: the same loss and the same gradient for every adapter parameter, for 1, 2 and 5 rows per chunk
     * and one chunk, with and without Gemma's final logit soft-capping (a small cap, so that its slope matters).
     */
    @Test
    void chunkedLossHasTheLossAndGradientsOfTheFullLogits(@TempDir Path dir) {
        LlamaConfig gemma = TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, Family.GEMMA3_TEXT, dir.resolve("g"), 4);
        dev.loraforge.engine.model.ModelFixtures.writeRandomModel(dir.resolve("capped"),
                gemma.toBuilder().finalLogitSoftcap(0.05).build(), 4);
        TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, dir.resolve("llama"), 4);
        long[] ids = {1, 50, 60, 70, 80, 90, 1, 55, 65, 75, 0, 0};
        long[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
        long[] targets = {-100, 60, 70, 80, 90, -100, -100, 65, 75, 3, -100, -100};
        for (String name : List.of("llama", "capped")) {
            try (LlamaModel model = LlamaModel.load(dir.resolve(name));
                    LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of(LoraConfig.ALL_LINEAR)), 1)) {
                for (var e : lora.trainableParameters().entrySet()) {
                    if (e.getKey().contains("lora_B")) {
                        e.getValue().set(new float[(int) e.getValue().getShape().size()]);
                        e.getValue().addi(0.05f);
                    }
                }
                java.util.Map<String, float[]> reference = null;
                float referenceLoss = 0;
                for (int chunk : new int[] {0, 1, 2, 5, 1000}) {            // 0: autograd through the full logits
                    java.util.Map<String, float[]> grads = new java.util.LinkedHashMap<>();
                    float loss;
                    try (NDManager m = model.manager().newSubManager()) {
                        NDArray x = m.create(ids, new Shape(2, 6));
                        NDArray am = m.create(mask, new Shape(2, 6));
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray value = chunk == 0
                                    ? CrossEntropy.sumNll(model.forward(x, am, null, lora), m.create(targets, new Shape(2, 6)))
                                    : CrossEntropy.sumNllFromHidden(model, model.hiddenStates(x, am, null, lora), targets, chunk);
                            gc.backward(value.mul(0.5f));
                            loss = value.getFloat();
                        }
                        grads.putAll(AdapterGradients.take(lora, m));
                    }
                    if (reference == null) {
                        reference = grads;
                        referenceLoss = loss;
                        assertEquals(true, loss > 1, name + ": a loss worth comparing");
                        continue;
                    }
                    assertEquals(referenceLoss, loss, 1e-4 * referenceLoss, name + " chunk " + chunk);
                    for (var e : reference.entrySet()) {
                        float[] want = e.getValue();
                        float[] got = grads.get(e.getKey());
                        double scale = 0;
                        for (float v : want) {
                            scale = Math.max(scale, Math.abs(v));
                        }
                        assertEquals(true, scale > 0, e.getKey() + " has a gradient");
                        assertArrayEquals(want, got, (float) (1e-4 * scale), name + " chunk " + chunk + " " + e.getKey());
                    }
                }
            }
        }
    }
}
