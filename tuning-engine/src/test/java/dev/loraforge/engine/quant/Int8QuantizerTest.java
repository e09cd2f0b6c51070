package dev.loraforge.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Int8QuantizerTest {

    @Test
    void rowsScaleByTheirAbsmaxAndRoundHalfToEven() {
        float[] w = {1f, -0.5f, 0.25f, 0.0039f, /* row 2 */ 0f, 0f, 0f, 0f, /* row 3 */ -2f, 1f, 0.5f, 0.0078125f};
        Int8Tensor t = Int8Quantizer.quantize(w, new long[] {3, 4});
        assertArrayEquals(new float[] {1f, 0f, 2f}, t.scb());
        // 127 * -0.5 = -63.5 -> -64 (half to even); 127 * 0.25 = 31.75 -> 32; 0.495 -> 0
        assertArrayEquals(new byte[] {127, -64, 32, 0, 0, 0, 0, 0, -127, 64, 32, 0}, t.data());
        float[] back = t.dequantize();
        assertEquals(-64 * 1f * Int8Quantizer.INV_127, back[1]);
        assertEquals(0f, back[5], "a zero row stays zero");
        assertEquals(-2f, back[8], 1e-6f);
    }

    @Test
    void roundTripErrorIsAtMostHalfAStepPerRow() {
        Random r = new Random(1);
        float[] w = new float[64 * 96];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * (1 + i / 96);
        }
        Int8Tensor t = Int8Quantizer.quantize(w, new long[] {64, 96});
        float[] back = t.dequantize();
        for (int i = 0; i < w.length; i++) {
            float step = t.scb()[i / 96] / 127f;
            assertEquals(w[i], back[i], 0.5f * step * 1.0001f, "value " + i);
        }
    }

    @Test
    void refusesNonMatrices() {
        assertThrows(IllegalArgumentException.class, () -> Int8Quantizer.quantize(new float[8], new long[] {8}));
    }
}
