package dev.loraforge.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Nf4CodeTest {

    @Test
    void sixteenAscendingValuesFromMinusOneToOneWithAnExactZero() {
        float[] v = Nf4Code.values();
        assertEquals(16, v.length);
        assertEquals(-1f, v[0]);
        assertEquals(0f, v[Nf4Code.ZERO]);
        assertEquals(1f, v[15]);
        for (int i = 1; i < 16; i++) {
            assertTrue(v[i] > v[i - 1], "ascending at " + i);
        }
        // 8 negative and 7 positive non-zero quantiles: the asymmetric "extra value" type
        assertEquals(-0.6961928009986877f, v[1]);
        assertEquals(0.7229568362236023f, v[14]);
    }

    @Test
    void everyCodeValueEncodesToItsOwnIndex() {
        for (int i = 0; i < 16; i++) {
            assertEquals(i, Nf4Code.encode(Nf4Code.value(i)), "code " + i);
        }
    }

    @Test
    void decisionThresholdsAreTheMidpointsBetweenNeighbouringCodes() {
        float[] v = Nf4Code.values();
        for (int i = 0; i < 15; i++) {
            float mid = (float) (((double) v[i] + v[i + 1]) / 2);
            // the kernel's threshold is this midpoint to float32 precision: one ulp either side decides
            assertEquals(i, Nf4Code.encode(Math.nextDown(Math.nextDown(mid))), "below threshold " + i);
            assertEquals(i + 1, Nf4Code.encode(Math.nextUp(Math.nextUp(mid))), "above threshold " + i);
        }
    }

    @Test
    void nearestCodeOnAFineGridAndValuesBeyondTheRangeSaturate() {
        float[] v = Nf4Code.values();
        for (int k = -20000; k <= 20000; k++) {
            float x = k / 20000f;
            int best = 0;
            for (int i = 1; i < 16; i++) {
                if (Math.abs(v[i] - x) < Math.abs(v[best] - x)) {
                    best = i;
                }
            }
            int got = Nf4Code.encode(x);
            assertEquals(Math.abs(v[best] - x), Math.abs(v[got] - x), 1e-6f, "x = " + x);
        }
        assertEquals(15, Nf4Code.encode(1.5f));
        assertEquals(0, Nf4Code.encode(-1.5f));
        assertEquals(0, Nf4Code.encode(Float.NaN), "NaN fails every comparison of the tree, as on the GPU");
    }

    /** bitsandbytes' dQuantizeNF4 decision tree as the kernel writes it (its literals rounded to float). */
    private static int kernelTree(float x) {
        if (x > 0.03979014977812767f) {
            if (x > 0.3893125355243683f) {
                if (x > 0.6427869200706482f) {
                    return x > 0.8614784181118011f ? 0b1111 : 0b1110;
                }
                return x > 0.5016634166240692f ? 0b1101 : 0b1100;
            }
            if (x > 0.2035212516784668f) {
                return x > 0.2920137718319893f ? 0b1011 : 0b1010;
            }
            return x > 0.1202552504837513f ? 0b1001 : 0b1000;
        }
        if (x > -0.33967943489551544f) {
            if (x > -0.13791173323988914f) {
                return x > -0.045525018125772476f ? 0b0111 : 0b0110;
            }
            return x > -0.23460740596055984f ? 0b0101 : 0b0100;
        }
        if (x > -0.6106329262256622f) {
            return x > -0.4599952697753906f ? 0b0011 : 0b0010;
        }
        return x > -0.8480964004993439f ? 0b0001 : 0b0000;
    }

    @Test
    void theBranchFreeSearchGivesTheKernelTreesCodeForEveryInput() {
        java.util.Random r = new java.util.Random(3);
        for (int k = 0; k < 2_000_000; k++) {
            float x = k % 2 == 0 ? (float) r.nextGaussian() * 0.5f : Float.intBitsToFloat(r.nextInt());
            assertEquals(kernelTree(x), Nf4Code.encode(x), "x = " + x);
        }
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
            -Float.MIN_VALUE, 1f, -1f};
        for (float x : special) {
            assertEquals(kernelTree(x), Nf4Code.encode(x), "x = " + x);
        }
        float[] v = Nf4Code.values();
        for (int i = 0; i < 15; i++) {
            float mid = (float) (((double) v[i] + v[i + 1]) / 2);
            for (float x = Math.nextDown(Math.nextDown(Math.nextDown(mid))), k = 0; k < 7; k++, x = Math.nextUp(x)) {
                assertEquals(kernelTree(x), Nf4Code.encode(x), "x = " + x + " near threshold " + i);
            }
        }
    }
}
