package dev.loraforge.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.loraforge.engine.model.ModelFixtures;
import dev.loraforge.engine.model.Ops;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradients must not depend on when the Java garbage collector runs. DJL's {@code x.mul(2f)} wraps the
 * number in a tensor over a Java direct buffer that it frees right after the op, while autograd keeps
 * that tensor for the backward pass: a collection between forward and backward then let the backward
 * read freed memory (wrong or NaN LoRA gradients, seen as adapters trained to NaN in a busy JVM). The
 * scalar operands of graph ops are PyTorch-owned ({@link Ops#mul}), so the backward after collections
 * equals the backward without them, bit for bit. The model covers every scalar op of a training step:
 * RMSNorm's rsqrt power, the attention scale, GELU-tanh, attention and final soft-capping, the LoRA
 * scaling and the loss scale.
 */
class GraphScalarLifetimeTest {

    @Test
    void gradientsAreTheSameWhenTheCollectorRunsBetweenForwardAndBackward(@TempDir Path dir) throws Exception {
        LlamaConfig gemma = TinyModelGenerator.write(TinyModelGenerator.Preset.TINY, Family.GEMMA3_TEXT, dir.resolve("g"), 5);
        ModelFixtures.writeRandomModel(dir.resolve("m"),
                gemma.toBuilder().finalLogitSoftcap(0.5).attnLogitSoftcap(0.5).build(), 5);
        long[] ids = {1, 50, 60, 70, 80, 90, 100, 110};
        long[] targets = {-100, 60, 70, 80, 90, 100, 110, 3};
        try (LlamaModel model = LlamaModel.load(dir.resolve("m"));
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of(LoraConfig.ALL_LINEAR)), 2)) {
            for (var e : lora.trainableParameters().entrySet()) {
                if (e.getKey().contains("lora_B")) {
                    e.getValue().addi(0.05f);
                }
            }
            Map<String, float[]> quiet = gradients(model, lora, ids, targets, false);
            Map<String, float[]> collected = gradients(model, lora, ids, targets, true);
            for (var e : quiet.entrySet()) {
                float[] want = e.getValue();
                double norm = 0;
                for (float v : want) {
                    assertTrue(Float.isFinite(v), e.getKey());
                    norm += v * v;
                }
                assertTrue(norm > 0, e.getKey() + " has a gradient");
                assertArrayEquals(want, collected.get(e.getKey()), 0f, e.getKey());
            }
            assertEquals(quiet.keySet(), collected.keySet());
        }
    }

    private static Map<String, float[]> gradients(LlamaModel model, LoraAdapter lora, long[] ids, long[] targets,
                                                  boolean collect) throws InterruptedException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = model.manager().newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray hidden = model.hiddenStates(m.create(ids, new Shape(1, ids.length)), null, null, lora);
                NDArray loss = Ops.div(CrossEntropy.sumNllFromHidden(model, hidden, targets), 3f);
                if (collect) {
                    collectGarbage();
                }
                gc.backward(loss);
            }
            out.putAll(AdapterGradients.take(lora, m));
        }
        return out;
    }

    /** Several full collections, with time for the reference handler to run direct buffers' cleaners. */
    private static void collectGarbage() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            byte[][] junk = new byte[32][];
            for (int j = 0; j < junk.length; j++) {
                junk[j] = new byte[1 << 16];
            }
            System.gc();
            Thread.sleep(40);
        }
    }
}
