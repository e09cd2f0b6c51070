package dev.loraforge.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The engine's tensor-op dequantization gives exactly the reference formula's float32 values. */
class EngineDequantizationTest {

    private static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 0.05);
        }
        return v;
    }

    @Test
    void nf4AndNf4DqMatchTheJavaReferenceBitForBitIncludingShortBlocks() {
        long[][] shapes = {{64, 64}, {176, 64}, {7, 13}, {300, 64}, {1, 3}};
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            CodeTables tables = new CodeTables(m);
            for (long[] shape : shapes) {
                for (boolean dq : new boolean[] {false, true}) {
                    float[] v = gaussian((int) (shape[0] * shape[1]), shape[0] * 31 + shape[1]);
                    Nf4Tensor t = Nf4Quantizer.quantize(v, shape, "float32", dq);
                    Nf4Weight w = Nf4Weight.create(t, Nf4Code.values(), m, tables);
                    try (NDManager step = m.newSubManager()) {
                        NDArray deq = w.dequantize(step);
                        assertEquals(DataType.FLOAT32, deq.getDataType());
                        assertArrayEquals(shape, deq.getShape().getShape());
                        assertArrayEquals(t.dequantize(), deq.toFloatArray(), 0f, java.util.Arrays.toString(shape) + " dq=" + dq);
                        assertEquals(step, deq.getManager(), "the copy belongs to the caller's manager");
                    }
                    assertEquals(t.dataBytes(), w.residentBytes());
                    assertEquals(dq ? "nf4-dq" : "nf4", w.scheme());
                }
            }
        }
    }

    @Test
    void int8MatchesTheJavaReferenceBitForBit() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            float[] v = gaussian(96 * 40, 5);
            Int8Tensor t = Int8Quantizer.quantize(v, new long[] {96, 40});
            Int8Weight w = new Int8Weight(t, m);
            try (NDManager step = m.newSubManager()) {
                assertArrayEquals(t.dequantize(), w.dequantize(step).toFloatArray(), 0f);
            }
        }
    }

    @Test
    void dequantizingLeavesNothingBehindInTheModelsManager() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Nf4Tensor t = Nf4Quantizer.quantize(gaussian(64 * 300, 9), new long[] {300, 64}, "float32", true);
            Nf4Weight w = Nf4Weight.create(t, Nf4Code.values(), m, new CodeTables(m));
            int before = m.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                try (NDManager step = m.newSubManager()) {
                    w.dequantize(step);
                }
            }
            assertEquals(before, m.getManagedArrays().size());
            assertTrue(before <= 6, "packed codes, absmax codes, nested absmax and two shared tables: " + before);
        }
    }
}
