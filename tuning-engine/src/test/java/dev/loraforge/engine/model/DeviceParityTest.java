package dev.loraforge.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.quant.ModelQuantizer;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.reference.ReferenceLlama;
import dev.loraforge.engine.reference.TestModels;
import dev.loraforge.engine.train.CrossEntropy;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on the device named by {@code -Dloraforge.test.device} (default {@code cpu}; {@code bench/gpu.sh} runs
 * this class with {@code cuda}) against independent numbers: logits against the double-precision reference, for a
 * float32 and a bf16 base; NF4 dequantization against the Java quantizer's, exactly; a QLoRA step (layer-wise
 * recomputation, the base dequantized on the device) against plain autograd on the CPU over the same dequantized
 * weights held as float32. Tolerances are those of float32 on the CPU, wider on a GPU (other kernels and summation
 * orders).
 */
class DeviceParityTest {

    private static final Device DEVICE = DeviceSpec.parse(System.getProperty("loraforge.test.device", "cpu")).resolve();
    private static final double LOGITS = DEVICE.isGpu() ? 2e-3 : 1e-4;
    private static final double GRADIENTS = DEVICE.isGpu() ? 2e-3 : 1e-4;
    private static final LlamaConfig CONFIG = LlamaConfig.builder().modelType("qwen2").numKeyValueHeads(2)
            .intermediateSize(96).build();

    @TempDir
    Path dir;

    @Test
    void logitsOnTheDeviceMatchTheDoublePrecisionReference() {
        Map<String, float[]> weights = TestModels.randomWeights(CONFIG, 21);
        int[][] ids = TestModels.randomIds(22, 2, 9, CONFIG.vocabSize());
        for (SafeDType dtype : List.of(SafeDType.F32, SafeDType.BF16)) {
            Path d = dir.resolve(dtype.name());
            TestModels.write(d, CONFIG.toBuilder().torchDtype(dtype == SafeDType.BF16 ? "bfloat16" : "float32").build(), weights, dtype);
            Map<String, float[]> stored = dtype == SafeDType.BF16 ? roundedToBf16(weights) : weights;
            ReferenceLlama ref = new ReferenceLlama(TestModels.dims(CONFIG), stored);
            try (LlamaModel model = LlamaModel.load(d, DEVICE, true); NDManager step = model.manager().newSubManager()) {
                assertThat(model.manager().getDevice()).isEqualTo(DEVICE);
                float[] logits = model.forward(TestModels.ids(step, ids), null, null).toFloatArray();
                for (int b = 0; b < 2; b++) {
                    double[][] expected = ref.logits(ids[b], null);
                    assertThat(TestModels.maxAbs(expected)).as("reference logits are O(1)").isGreaterThan(0.5);
                    assertThat(TestModels.maxAbsDiff(logits, b, 9, CONFIG.vocabSize(), expected, 9)).as(dtype + " row " + b)
                            .isLessThan(LOGITS);
                }
            }
        }
    }

    @Test
    void aQloraStepOnTheDeviceEqualsAutogradOverTheDequantizedWeights() {
        Map<String, float[]> weights = TestModels.randomWeights(CONFIG, 23);
        Path d = dir.resolve("f32");
        TestModels.write(d, CONFIG, weights, SafeDType.F32);
        Map<String, float[]> dequantized = new LinkedHashMap<>(weights);
        Map<String, long[]> layout = WeightLayout.of(CONFIG);
        for (String name : layout.keySet()) {
            if (WeightLayout.isProjectionWeight(name)) {
                dequantized.put(name, ModelQuantizer.quantizeTensor(weights.get(name), layout.get(name), SafeDType.F32,
                        QuantScheme.NF4_DQ).dequantize());
            }
        }
        LoraConfig all = LoraConfig.of(4, 8, 0.0, List.of(LoraConfig.ALL_LINEAR));
        int[][] ids = TestModels.randomIds(24, 2, 9, CONFIG.vocabSize());
        long[] targets = new long[18];
        Random r = new Random(25);
        for (int i = 0; i < targets.length; i++) {
            targets[i] = i % 9 == 0 ? -100 : r.nextInt(CONFIG.vocabSize());
        }
        try (LlamaModel onDevice = ModelQuantizer.loadQuantized(d, QuantScheme.NF4_DQ, DEVICE);
                LlamaModel dense = TestModels.load(dir.resolve("dense"), CONFIG, dequantized);
                LoraAdapter da = LoraAdapter.create(onDevice, all, 1); LoraAdapter ca = LoraAdapter.create(dense, all, 1);
                NDManager deviceStep = onDevice.manager().newSubManager(); NDManager cpuStep = dense.manager().newSubManager()) {
            for (Map.Entry<String, QuantizedWeight> e : onDevice.quantizedWeights().entrySet()) {
                try (NDArray w = e.getValue().dequantize(deviceStep)) {
                    assertThat(w.getDevice()).isEqualTo(DEVICE);
                    assertThat(w.toFloatArray()).as(e.getKey() + " dequantized on the device").isEqualTo(dequantized.get(e.getKey()));
                }
            }
            sameParameters(ca, da);
            double deviceLoss = LayerwiseBackward.run(onDevice, da, TestModels.ids(deviceStep, ids), null,
                    l -> CrossEntropy.sumNll(l, deviceStep.create(targets, new Shape(2, 9))), 0.5f, 7);
            double cpuLoss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = CrossEntropy.sumNll(dense.forward(TestModels.ids(cpuStep, ids), null, null, ca),
                        cpuStep.create(targets, new Shape(2, 9)));
                gc.backward(loss.mul(0.5f));
                cpuLoss = loss.getFloat();
            }
            assertThat(cpuLoss).as("16 counted tokens of ln(vocab) each, roughly").isGreaterThan(16);
            assertThat(deviceLoss).isCloseTo(cpuLoss, org.assertj.core.data.Offset.offset(GRADIENTS * cpuLoss));
            for (String key : ca.trainableParameters().keySet()) {
                float[] expected = ca.trainableParameters().get(key).getGradient().toFloatArray();
                float[] actual = da.trainableParameters().get(key).getGradient().toFloatArray();
                double scale = 0;
                double diff = 0;
                for (int i = 0; i < expected.length; i++) {
                    scale = Math.max(scale, Math.abs(expected[i]));
                    diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
                }
                assertThat(scale).as(key + " has a gradient").isPositive();
                assertThat(diff).as(key).isLessThan(GRADIENTS * Math.max(1, scale));
            }
        }
    }

    /** Gives {@code to} the parameters of {@code from}, with non-zero B matrices so that every gradient flows. */
    private static void sameParameters(LoraAdapter from, LoraAdapter to) {
        Random r = new Random(26);
        for (Map.Entry<String, NDArray> e : from.trainableParameters().entrySet()) {
            float[] v = e.getValue().toFloatArray();
            if (e.getKey().contains(".lora_B.")) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * 0.2);
                }
                e.getValue().set(FloatBuffer.wrap(v));
            }
            to.trainableParameters().get(e.getKey()).set(FloatBuffer.wrap(v));
        }
    }

    private static Map<String, float[]> roundedToBf16(Map<String, float[]> weights) {
        Map<String, float[]> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> {
            float[] rounded = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                rounded[i] = dev.loraforge.engine.io.HalfFloats.bf16ToF32(dev.loraforge.engine.io.HalfFloats.f32ToBf16(v[i]));
            }
            out.put(k, rounded);
        });
        return out;
    }
}
