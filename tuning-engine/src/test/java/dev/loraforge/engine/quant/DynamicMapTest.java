package dev.loraforge.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DynamicMapTest {

    @Test
    void twoHundredFiftySixSortedValuesWithZeroAtTheMiddleAndOneAtTheTop() {
        float[] m = DynamicMap.signed();
        assertEquals(256, m.length);
        for (int i = 1; i < 256; i++) {
            assertTrue(m[i] > m[i - 1], "strictly ascending at " + i);
        }
        assertEquals(0f, m[127]);
        assertEquals(1f, m[255]);
        for (int i = 0; i < 127; i++) {
            assertEquals(-m[254 - i], m[i], "negative half mirrors the positive half at " + i);
        }
        // smallest magnitude: 1e-6 * (0.1 + 1) / 2; largest below 1: (linspace(0.1, 1, 65)[63] + 1) / 2
        assertEquals(5.5e-7f, m[128], 1e-13f);
        assertEquals(0.99296875f, m[254], 1e-7f);
    }

    @Test
    void valuesFollowTheFormulaInDoublePrecisionToFloatRounding() {
        List<Double> exact = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            int n = (1 << i) + 1;
            for (int j = 0; j + 1 < n; j++) {
                double a = 0.1 + 0.9 * j / (n - 1);
                double b = 0.1 + 0.9 * (j + 1) / (n - 1);
                double v = Math.pow(10, i - 6) * (a + b) / 2;
                exact.add(v);
                exact.add(-v);
            }
        }
        exact.add(0.0);
        exact.add(1.0);
        Collections.sort(exact);
        float[] m = DynamicMap.signed();
        for (int i = 0; i < 256; i++) {
            assertEquals(exact.get(i), m[i], Math.abs(exact.get(i)) * 4e-7, "value " + i);
        }
    }

    @Test
    void bitForBitWhatLibtorchComputesWithTheSameOperations() {
        // create_dynamic_map's own steps (linspace, means, scaling) run on the engine's PyTorch
        List<Float> data = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            for (int i = 0; i < 7; i++) {
                int n = (1 << i) + 1;
                NDArray bounds = m.linspace(0.1f, 1f, n, true);
                NDArray means = bounds.get("0:" + (n - 1)).add(bounds.get("1:")).div(2f);
                float scale = (float) Double.parseDouble("1e" + (i - 6));
                for (float v : means.mul(scale).toFloatArray()) {
                    data.add(v);
                }
                for (float v : means.mul(-scale).toFloatArray()) {
                    data.add(v);
                }
            }
        }
        data.add(0f);
        data.add(1f);
        Collections.sort(data);
        float[] ours = DynamicMap.signed();
        for (int i = 0; i < 256; i++) {
            assertEquals(Float.floatToRawIntBits(data.get(i)), Float.floatToRawIntBits(ours[i]), "value " + i);
        }
    }

    @Test
    void encodePicksTheNearestCodeOrAnEquallyNearOne() {
        float[] code = DynamicMap.signed();
        Random r = new Random(3);
        for (int k = 0; k < 200_000; k++) {
            float x = k % 2 == 0 ? (float) (2 * r.nextDouble() - 1) : (float) (r.nextGaussian() * Math.pow(10, -r.nextInt(7)));
            x = Math.max(-1f, Math.min(1f, x));
            int best = 0;
            for (int i = 1; i < 256; i++) {
                if (Math.abs(code[i] - x) < Math.abs(code[best] - x)) {
                    best = i;
                }
            }
            int got = DynamicMap.encode(code, x);
            assertEquals(Math.abs(code[best] - x), Math.abs(code[got] - x), 1e-7f, "x = " + x);
        }
        for (int i = 0; i < 256; i++) {
            assertEquals(i, DynamicMap.encode(code, code[i]), "code value " + i);
        }
    }
}
