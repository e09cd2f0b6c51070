package dev.loraforge.engine.quant;

import java.util.stream.IntStream;

/**
 * NF4 quantization as bitsandbytes' {@code quantize_4bit(A, blocksize, compress_statistics, "nf4")} does
 * it: the row-major values in blocks of {@code blocksize} (the last block may be shorter), absmax per
 * block, each value multiplied by the float32 reciprocal of its absmax and encoded with
 * {@link Nf4Code#encode}, two codes per byte (first in the high nibble; an odd count is padded with the
 * code of 0). A block of zeros has absmax 0 (bitsandbytes clamps it to 1e-38 for the reciprocal).
 *
 * <p>With double quantization ({@code compress_statistics=True}) the absmax values are centred on their
 * mean (the offset, float32) and quantized by {@link Blockwise8} in blocks of 256 with the
 * {@link DynamicMap signed dynamic map}. bitsandbytes takes the mean with torch's float32 reduction;
 * here it is summed in double and rounded once, which can differ from it in the last bit.
 */
public final class Nf4Quantizer {

    /** bitsandbytes' default block size for 4-bit weights. */
    public static final int BLOCKSIZE = 64;
    /** Block size of the double quantization of absmax values. */
    public static final int NESTED_BLOCKSIZE = 256;
    /** Blocks quantized per parallel task. */
    private static final int BLOCKS_PER_TASK = 4096;

    private Nf4Quantizer() {
    }

    /** Quantizes {@code values} (row-major, of {@code shape}) with blocksize 64. */
    public static Nf4Tensor quantize(float[] values, long[] shape, String dtype, boolean doubleQuant) {
        return quantize(values, shape, dtype, BLOCKSIZE, doubleQuant);
    }

    public static Nf4Tensor quantize(float[] values, long[] shape, String dtype, int blocksize, boolean doubleQuant) {
        if (Nf4Tensor.elementCount(shape) != values.length) {
            throw new IllegalArgumentException(values.length + " values do not fill shape " + java.util.Arrays.toString(shape));
        }
        if (blocksize < 2 || blocksize % 2 != 0) {
            throw new IllegalArgumentException("blocksize must be even and at least 2, got " + blocksize);
        }
        int n = values.length;
        int blocks = (n + blocksize - 1) / blocksize;
        float[] absmax = new float[blocks];
        byte[] packed = new byte[(n + 1) / 2];
        int tasks = (blocks + BLOCKS_PER_TASK - 1) / BLOCKS_PER_TASK;
        IntStream range = IntStream.range(0, tasks);
        (tasks > 1 ? range.parallel() : range).forEach(t -> {
            int last = Math.min(blocks, (t + 1) * BLOCKS_PER_TASK);
            for (int b = t * BLOCKS_PER_TASK; b < last; b++) {
                absmax[b] = quantizeBlock(values, b * blocksize, Math.min(n, (b + 1) * blocksize), packed);
            }
        });
        if (!doubleQuant) {
            return new Nf4Tensor(shape, dtype, blocksize, packed, absmax, null);
        }
        return new Nf4Tensor(shape, dtype, blocksize, packed, null, compress(absmax));
    }

    /** Encodes values [start, end) (start even) into {@code packed}; returns the block's absmax. */
    private static float quantizeBlock(float[] values, int start, int end, byte[] packed) {
        float max = 0f;
        for (int i = start; i < end; i++) {
            max = Math.max(max, Math.abs(values[i]));
        }
        float inv = 1f / Math.max(max, 1e-38f);
        for (int i = start; i < end; i += 2) {
            int hi = Nf4Code.encode(values[i] * inv);
            int lo = i + 1 < end ? Nf4Code.encode(values[i + 1] * inv) : Nf4Code.ZERO; // odd tail: padded with 0
            packed[i >>> 1] = (byte) (hi << 4 | lo);
        }
        return max;
    }

    /** Double quantization: offset = mean(absmax); (absmax - offset) in 8-bit blocks of 256. */
    static Nf4Tensor.NestedAbsmax compress(float[] absmax) {
        double sum = 0;
        for (float a : absmax) {
            sum += a;
        }
        float offset = (float) (sum / absmax.length);
        float[] centred = new float[absmax.length];
        for (int i = 0; i < absmax.length; i++) {
            centred[i] = absmax[i] - offset;
        }
        float[] code = DynamicMap.signed();
        Blockwise8.Quantized q = Blockwise8.quantize(centred, code, NESTED_BLOCKSIZE);
        return new Nf4Tensor.NestedAbsmax(q.codes(), q.absmax(), code, NESTED_BLOCKSIZE, offset);
    }

    /** bitsandbytes' dequantize_4bit: {@code nf4[code(i)] * absmax[i / blocksize]} in float32, row-major. */
    public static float[] dequantize(Nf4Tensor t) {
        return dequantize(t, Nf4Code.values());
    }

    /** Dequantizes with a given 16-value code (a file's {@code quant_map}). */
    public static float[] dequantize(Nf4Tensor t, float[] quantMap) {
        long n = t.size();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(t + " is too large for a Java array");
        }
        float[] absmax = t.absmaxValues();
        float[] out = new float[(int) n];
        int bs = t.blocksize();
        int blocks = absmax.length;
        int tasks = (blocks + BLOCKS_PER_TASK - 1) / BLOCKS_PER_TASK;
        IntStream range = IntStream.range(0, tasks);
        (tasks > 1 ? range.parallel() : range).forEach(task -> {
            int last = Math.min(blocks, (task + 1) * BLOCKS_PER_TASK);
            for (int b = task * BLOCKS_PER_TASK; b < last; b++) {
                float scale = absmax[b];
                int end = (int) Math.min(n, (long) (b + 1) * bs);
                for (int i = b * bs; i < end; i++) {
                    out[i] = quantMap[t.code(i)] * scale;
                }
            }
        });
        return out;
    }
}
