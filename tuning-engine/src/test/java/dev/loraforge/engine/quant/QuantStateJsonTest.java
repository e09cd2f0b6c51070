package dev.loraforge.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuantStateJsonTest {

    @Test
    void writtenAsPythonJsonDumpsWritesQuantStateAsDict() {
        Nf4Tensor plain = Nf4Quantizer.quantize(new float[128], new long[] {2, 64}, "bfloat16", false);
        assertEquals("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": [2, 64]}",
                new String(QuantStateJson.encode(plain), StandardCharsets.UTF_8));
        float[] v = new float[128];
        v[0] = 0.5f;
        v[64] = 0.25f;
        Nf4Tensor nested = Nf4Quantizer.quantize(v, new long[] {2, 64}, "float32", true);
        assertEquals("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float32\", \"shape\": [2, 64],"
                        + " \"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": 0.375}",
                new String(QuantStateJson.encode(nested), StandardCharsets.UTF_8));
    }

    @Test
    void offsetsArePrintedAsPythonReprOfTheFloat32Value() {
        // expected strings: Python's repr(float(numpy.float32(x)))
        assertEquals("0.012299999594688416", QuantStateJson.pythonRepr(0.0123f));
        assertEquals("1.0", QuantStateJson.pythonRepr(1f));
        assertEquals("9.999999747378752e-05", QuantStateJson.pythonRepr(1e-4f));
        assertEquals("9.999999747378752e-06", QuantStateJson.pythonRepr(1e-5f));
        assertEquals("0.0005000000237487257", QuantStateJson.pythonRepr(5e-4f));
        assertEquals("-2.499999993688107e-07", QuantStateJson.pythonRepr(-2.5e-7f));
        assertEquals("6.99999978844242e+20", QuantStateJson.pythonRepr(7e20f));
        assertEquals("-3.3000000509986194e-09", QuantStateJson.pythonRepr(-3.3e-9f));
        assertEquals("123456.0", QuantStateJson.pythonRepr(123456f));
        assertEquals("0.0", QuantStateJson.pythonRepr(0f));
        for (float f : new float[] {0.0123f, 1e-5f, -3.3e-9f, 7e20f}) {
            assertEquals(f, (float) Double.parseDouble(QuantStateJson.pythonRepr(f)), "round trip of " + f);
        }
    }

    @Test
    void readsBothFormsAndRefusesIncompleteStates() {
        QuantStateJson.State s = QuantStateJson.decode(("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float16\","
                + " \"shape\": [32, 64], \"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": 0.03}")
                .getBytes(StandardCharsets.UTF_8), "x");
        assertEquals("nf4", s.quantType());
        assertEquals(64, s.blocksize());
        assertArrayEquals(new long[] {32, 64}, s.shape());
        assertEquals(256, s.nestedBlocksize());
        assertEquals(0.03, s.nestedOffset());
        QuantStateJson.State p = QuantStateJson.decode("{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float32\", \"shape\": [4]}"
                .getBytes(StandardCharsets.UTF_8), "x");
        assertNull(p.nestedOffset());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QuantStateJson.decode("{\"quant_type\": \"nf4\"}".getBytes(StandardCharsets.UTF_8), "q.weight.quant_state"));
        assertEquals("q.weight.quant_state: the quant state has no 'blocksize'", e.getMessage());
    }
}
