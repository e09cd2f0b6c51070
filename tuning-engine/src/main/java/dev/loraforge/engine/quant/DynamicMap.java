package dev.loraforge.engine.quant;

import java.util.Arrays;

/**
 * bitsandbytes' signed 8-bit dynamic map ({@code create_dynamic_map(signed=True, max_exponent_bits=7,
 * total_bits=8)}), the code of blockwise 8-bit quantization and so of the double-quantized absmax
 * values: for i = 0..6, the 2^i midpoints of {@code linspace(0.1, 1, 2^i + 1)} times +-10^(i-6), plus 0
 * and 1, sorted (127 negative values, 0 at index 127, 1.0 at index 255).
 *
 * <p>Computed in float32 as PyTorch 2.x does it on the CPU: {@code linspace} values are
 * {@code start + step * i} (from the end for the upper half) rounded once (a fused multiply-add),
 * means and products rounded to float32. Older or differently compiled PyTorch builds can differ in
 * the last bit of a few values; the map travels with every quantized tensor ({@code nested_quant_map}),
 * so files are decoded with their own map.
 */
public final class DynamicMap {

    private static final float[] SIGNED = build();

    private DynamicMap() {
    }

    /** The 256 sorted values of the signed dynamic map (a copy). */
    public static float[] signed() {
        return SIGNED.clone();
    }

    private static float[] build() {
        float[] data = new float[256];
        int k = 0;
        for (int i = 0; i < 7; i++) {
            float[] bounds = linspace(0.1f, 1f, (1 << i) + 1);
            float scale = (float) Double.parseDouble("1e" + (i - 6)); // Python's 10 ** (i - 6), then float32
            for (int j = 0; j + 1 < bounds.length; j++) {
                float mean = (bounds[j] + bounds[j + 1]) / 2f;
                data[k++] = scale * mean;
                data[k++] = -scale * mean;
            }
        }
        data[k++] = 0f;
        data[k++] = 1f;
        if (k != 256) {
            throw new IllegalStateException("dynamic map has " + k + " values");
        }
        Arrays.sort(data);
        return data;
    }

    /** torch.linspace(start, end, steps) in float32 on the CPU (PyTorch 2.x kernel). */
    static float[] linspace(float start, float end, int steps) {
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        float[] out = new float[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = i < halfway ? Math.fma(step, (float) i, start) : Math.fma(-step, (float) (steps - i - 1), end);
        }
        return out;
    }

    /**
     * bitsandbytes' dQuantize (deterministic): a 7-step binary search of a sorted 256-value code from
     * index 127, then the nearer of the final pivot and the neighbour on x's side (midpoints compared in
     * float32). x is a value already divided by its block's absmax.
     */
    public static int encode(float[] code, float x) {
        int pivot = 127;
        int upperPivot = 255;
        int lowerPivot = 0;
        float lower = -1.0f;
        float upper = 1.0f;
        float val = code[pivot];
        for (int i = 64; i > 0; i >>= 1) {
            if (x > val) {
                lowerPivot = pivot;
                lower = val;
                pivot += i;
            } else {
                upperPivot = pivot;
                upper = val;
                pivot -= i;
            }
            val = code[pivot];
        }
        if (upperPivot == 255) {
            upper = code[upperPivot];
        }
        if (lowerPivot == 0) {
            lower = code[lowerPivot];
        }
        if (x > val) {
            float midpoint = (upper + val) * 0.5f;
            return x > midpoint ? upperPivot : pivot;
        }
        float midpoint = (lower + val) * 0.5f;
        return x < midpoint ? lowerPivot : pivot;
    }
}
