package dev.loraforge.engine.quant;

/**
 * bitsandbytes' blockwise 8-bit quantization ({@code quantize_blockwise} / {@code dequantize_blockwise}):
 * consecutive blocks of {@code blocksize} values, each divided by its absolute maximum (multiplied by
 * the float32 reciprocal, as the CUDA kernel does) and encoded with {@link DynamicMap#encode} against a
 * sorted 256-value code. Dequantization is {@code code[q] * absmax[i / blocksize]} in float32. A block
 * of zeros gets absmax 0 and codes of 0.0.
 */
public final class Blockwise8 {

    /** Codes and per-block absmax of one quantized vector. */
    public record Quantized(byte[] codes, float[] absmax, int blocksize) {
    }

    private Blockwise8() {
    }

    public static Quantized quantize(float[] values, float[] code, int blocksize) {
        if (code.length != 256) {
            throw new IllegalArgumentException("an 8-bit code has 256 values, got " + code.length);
        }
        int blocks = Math.toIntExact(((long) values.length + blocksize - 1) / blocksize);
        byte[] q = new byte[values.length];
        float[] absmax = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            int start = b * blocksize;
            int end = Math.min(values.length, start + blocksize);
            float max = 0f;
            for (int i = start; i < end; i++) {
                max = Math.max(max, Math.abs(values[i]));
            }
            absmax[b] = max;
            float inv = 1f / Math.max(max, 1e-38f); // bitsandbytes clamps absmax at 1e-38 before the reciprocal
            for (int i = start; i < end; i++) {
                q[i] = (byte) DynamicMap.encode(code, values[i] * inv);
            }
        }
        return new Quantized(q, absmax, blocksize);
    }

    public static float[] dequantize(byte[] codes, float[] absmax, float[] code, int blocksize) {
        float[] out = new float[codes.length];
        for (int i = 0; i < codes.length; i++) {
            out[i] = code[codes[i] & 0xFF] * absmax[i / blocksize];
        }
        return out;
    }
}
