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
}
