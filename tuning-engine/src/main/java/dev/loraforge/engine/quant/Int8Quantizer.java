package dev.loraforge.engine.quant;

/**
 * Row-wise absmax int8 quantization as bitsandbytes' {@code int8_vectorwise_quant} (LLM.int8(), no
 * outlier threshold): per row, {@code SCB = max |x|} and {@code q = round(x * (127 / SCB))} (float32,
 * round half to even, as torch.round). Dequantization ({@code int8_vectorwise_dequant}) is
 * {@code q * SCB * (1/127)}. bitsandbytes first casts weights to float16; here the weight's own values
 * are used. A row of zeros has SCB 0 and codes 0.
 */
public final class Int8Quantizer {

    /** bitsandbytes' 1/127 constant, as float32. */
    static final float INV_127 = 7.874015718698502e-3f;

    private Int8Quantizer() {
    }

    public static Int8Tensor quantize(float[] values, long[] shape) {
        if (shape.length != 2 || shape[0] * shape[1] != values.length) {
            throw new IllegalArgumentException("int8 quantization needs a 2-D weight filled by its " + values.length
                    + " values, got shape " + java.util.Arrays.toString(shape));
        }
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        byte[] q = new byte[values.length];
        float[] scb = new float[rows];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            float max = 0f;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, Math.abs(values[base + c]));
            }
            scb[r] = max;
            if (max == 0f) {
                continue;
            }
            float scale = 127f / max;
            for (int c = 0; c < cols; c++) {
                q[base + c] = (byte) Math.max(-127, Math.min(127, (int) Math.rint(values[base + c] * scale)));
            }
        }
        return new Int8Tensor(shape, q, scb);
    }

    public static float[] dequantize(Int8Tensor t) {
        int cols = (int) t.shape()[1];
        byte[] q = t.data();
        float[] out = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            out[i] = (q[i] * t.scb()[i / cols]) * INV_127;
        }
        return out;
    }
}
