package dev.loraforge.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Nf4QuantizerTest {

    private static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void handMadeBlockPacksTheFirstElementInTheHighNibble() {
        float[] v = new float[64];
        v[0] = 2f;     // / absmax 2 -> 1.0  -> code 15
        v[1] = -2f;    // -1.0              -> code 0
        v[2] = 0f;     // 0.0               -> code 7
        v[3] = 1f;     // 0.5 is below the 12|13 threshold 0.5017 -> code 12
        v[4] = 1.01f;  // 0.505 is above it -> code 13
        v[5] = -0.1f;  // -0.05 is below -0.0455 -> code 6
        Nf4Tensor t = Nf4Quantizer.quantize(v, new long[] {1, 64}, "float32", false);
        assertArrayEquals(new float[] {2f}, t.absmax());
        assertEquals(32, t.packed().length);
        assertEquals((byte) 0xF0, t.packed()[0]);
        assertEquals((byte) 0x7C, t.packed()[1]);
        assertEquals((byte) 0xD6, t.packed()[2]);
        for (int i = 3; i < 32; i++) {
            assertEquals((byte) 0x77, t.packed()[i], "zeros are code 7 in both nibbles");
        }
        float[] back = t.dequantize();
        assertEquals(2f, back[0]);
        assertEquals(-2f, back[1]);
        assertEquals(0f, back[2]);
        assertEquals(Nf4Code.value(12) * 2f, back[3]);
        assertEquals(Nf4Code.value(13) * 2f, back[4]);
    }

    @Test
    void blocksAreConsecutiveRowMajorValuesEachWithItsOwnAbsmax() {
        float[] v = new float[128];
        for (int i = 0; i < 128; i++) {
            v[i] = i < 64 ? 0.5f : -8f;  // two blocks: absmax 0.5 then 8
        }
        v[10] = -0.75f;
        Nf4Tensor t = Nf4Quantizer.quantize(v, new long[] {2, 64}, "float32", false);
        assertArrayEquals(new float[] {0.75f, 8f}, t.absmax());
        assertEquals(Nf4Code.encode(0.5f / 0.75f), t.code(0));
        assertEquals(0, t.code(10));
        assertEquals(0, t.code(64), "-8 / 8 = -1");
    }

    @Test
    void oddSizesHaveAShortTailBlockAndAPaddedLastByte() {
        float[] v = gaussian(65, 1);
        v[64] = -3f;
        Nf4Tensor t = Nf4Quantizer.quantize(v, new long[] {5, 13}, "float32", false);
        assertEquals(2, t.blocks());
        assertEquals(33, t.packed().length);
        assertEquals(3f, t.absmax()[1], "the tail block holds one value");
        assertEquals((byte) 0x07, t.packed()[32], "code 0 (-1) in the high nibble, code of 0 as padding");
        float[] back = t.dequantize();
        assertEquals(65, back.length);
        assertEquals(-3f, back[64]);

        Nf4Tensor three = Nf4Quantizer.quantize(new float[] {1f, -1f, 0.25f}, new long[] {3}, "float32", true);
        assertEquals(2, three.packed().length);
        assertEquals(1, three.blocks());
        assertEquals(Nf4Code.encode(0.25f) << 4 | Nf4Code.ZERO, three.packed()[1] & 0xFF);
    }

    @Test
    void blocksOfZerosDequantizeToZero() {
        float[] v = new float[130];
        v[129] = 1f;
        float[] back = Nf4Quantizer.quantize(v, new long[] {130}, "float32", true).dequantize();
        for (int i = 0; i < 128; i++) {
            assertEquals(0f, Math.abs(back[i]), "value " + i);
        }
    }

    @Test
    void dequantizationIsCodeTimesBlockAbsmax() {
        float[] v = gaussian(64 * 50 + 7, 2);
        Nf4Tensor t = Nf4Quantizer.quantize(v, new long[] {v.length}, "float32", false);
        float[] code = Nf4Code.values();
        float[] back = t.dequantize();
        for (int i = 0; i < v.length; i++) {
            int b = t.packed()[i / 2] & 0xFF;
            int q = i % 2 == 0 ? b >> 4 : b & 15;
            assertEquals(code[q] * t.absmax()[i / 64], back[i], "value " + i);
            // and the code is the nearest one to the normalised value
            float x = v[i] / t.absmax()[i / 64];
            for (float c : code) {
                assertTrue(Math.abs(code[q] - x) <= Math.abs(c - x) + 1e-6f, "nearest code for value " + i);
            }
        }
    }

    @Test
    void meanAbsoluteRoundTripErrorOnStandardNormalDataIsBitsandbytesFigure() {
        // bitsandbytes' test_4bit_quant: randn(1024, 1024), nf4, blocksize 64 -> mean |A - A'| = 0.072798 (sd 0.000074)
        double sum = 0;
        int matrices = 4;
        for (int k = 0; k < matrices; k++) {
            float[] a = gaussian(1024 * 1024, 100 + k);
            float[] back = Nf4Quantizer.quantize(a, new long[] {1024, 1024}, "float32", false).dequantize();
            double err = 0;
            for (int i = 0; i < a.length; i++) {
                err += Math.abs(a[i] - back[i]);
            }
            sum += err / a.length;
        }
        assertEquals(0.0728, sum / matrices, 0.0001);
    }

    @Test
    void doubleQuantizationStoresAbsmaxAsEightBitCodesAroundTheirMean() {
        float[] v = gaussian(64 * 700, 4);               // 700 blocks: 3 nested blocks, the last one short
        Nf4Tensor plain = Nf4Quantizer.quantize(v, new long[] {700, 64}, "float32", false);
        Nf4Tensor dq = Nf4Quantizer.quantize(v, new long[] {700, 64}, "float32", true);
        assertArrayEquals(plain.packed(), dq.packed(), "double quantization only changes how absmax is stored");
        assertNull(dq.absmax());
        Nf4Tensor.NestedAbsmax n = dq.nested();
        assertEquals(700, n.codes().length);
        assertEquals(3, n.nestedAbsmax().length);
        assertEquals(256, n.nestedBlocksize());
        double mean = 0;
        for (float a : plain.absmax()) {
            mean += a / 700.0;
        }
        assertEquals(mean, n.offset(), 1e-6);
        float[] recovered = dq.absmaxValues();
        for (int i = 0; i < 700; i++) {
            float centred = plain.absmax()[i] - n.offset();
            float group = n.nestedAbsmax()[i / 256];
            assertEquals(DynamicMap.signed()[n.codes()[i] & 0xFF] * group + n.offset(), recovered[i], "formula at " + i);
            assertEquals(plain.absmax()[i], recovered[i], 0.01 * group, "8-bit error of absmax " + i + " (centred " + centred + ")");
        }
        double errPlain = meanAbsError(v, plain.dequantize());
        double errDq = meanAbsError(v, dq.dequantize());
        assertTrue(Math.abs(errDq - errPlain) < 0.005 * errPlain, "double quantization costs little: " + errPlain + " vs " + errDq);
    }

    private static double meanAbsError(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s / a.length;
    }
}
