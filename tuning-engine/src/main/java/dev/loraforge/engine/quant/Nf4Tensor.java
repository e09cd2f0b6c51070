package dev.loraforge.engine.quant;

import java.util.Arrays;

/**
 * One weight in bitsandbytes' 4-bit NF4 form, as {@code quantize_4bit} returns it and
 * {@code QuantState} describes it.
 *
 * @param shape      the original shape, row-major (Linear weights: out_features, in_features)
 * @param dtype      the original torch dtype name ("float32", "bfloat16", "float16"): quant_state.dtype
 * @param blocksize  values per absmax block (64)
 * @param packed     ceil(n / 2) bytes, element 2j in the high nibble and 2j+1 in the low one
 * @param absmax     per-block absmax (float32) when not double-quantized, else null
 * @param nested     the double-quantized absmax when {@code absmax} is null
 */
public record Nf4Tensor(long[] shape, String dtype, int blocksize, byte[] packed, float[] absmax, NestedAbsmax nested)
        implements QuantizedTensor {

    /**
     * Double quantization of the absmax values: {@code absmax = code[q] * nestedAbsmax[i / nestedBlocksize]
     * + offset}, where offset is the mean of the absmax values it was made from.
     *
     * @param codes           8-bit codes of absmax - offset, one per block (the file's {@code .absmax}, uint8)
     * @param nestedAbsmax    absmax of each group of {@code nestedBlocksize} centred values ({@code .nested_absmax})
     * @param code            the 256-value code ({@code .nested_quant_map}, the signed dynamic map)
     */
    public record NestedAbsmax(byte[] codes, float[] nestedAbsmax, float[] code, int nestedBlocksize, float offset) {
    }

    public Nf4Tensor {
        shape = shape.clone();
        if ((absmax == null) == (nested == null)) {
            throw new IllegalArgumentException("exactly one of absmax and nested absmax must be given");
        }
        long n = elementCount(shape);
        if (packed.length != (n + 1) / 2) {
            throw new IllegalArgumentException(n + " values pack into " + (n + 1) / 2 + " bytes, got " + packed.length);
        }
        long blocks = (n + blocksize - 1) / blocksize;
        int have = absmax != null ? absmax.length : nested.codes().length;
        if (have != blocks) {
            throw new IllegalArgumentException(n + " values in blocks of " + blocksize + " need " + blocks
                    + " absmax values, got " + have);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of values. */
    public long size() {
        return elementCount(shape);
    }

    /** Number of absmax blocks, ceil(n / blocksize). */
    public int blocks() {
        return Math.toIntExact((size() + blocksize - 1) / blocksize);
    }

    public boolean doubleQuantized() {
        return nested != null;
    }

    /** The 4-bit code of value i. */
    public int code(long i) {
        int b = packed[(int) (i >>> 1)] & 0xFF;
        return (i & 1) == 0 ? b >>> 4 : b & 0x0F;
    }

    /** The per-block absmax values (dequantized when nested: code * nested_absmax + offset, float32). */
    public float[] absmaxValues() {
        if (absmax != null) {
            return absmax.clone();
        }
        float[] out = Blockwise8.dequantize(nested.codes(), nested.nestedAbsmax(), nested.code(), nested.nestedBlocksize());
        for (int i = 0; i < out.length; i++) {
            out[i] += nested.offset();
        }
        return out;
    }

    @Override
    public float[] dequantize() {
        return Nf4Quantizer.dequantize(this);
    }

    /** Bytes this tensor takes in memory or on disk: packed codes and absmax state (not the code tables). */
    @Override
    public long dataBytes() {
        long state = absmax != null ? 4L * absmax.length
                : nested.codes().length + 4L * nested.nestedAbsmax().length + 4; // + the offset
        return packed.length + state;
    }

    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return "Nf4Tensor" + Arrays.toString(shape) + (nested != null ? " double-quantized" : "") + " blocksize " + blocksize;
    }
}
