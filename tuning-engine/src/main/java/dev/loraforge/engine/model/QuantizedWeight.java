package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A frozen projection weight kept compressed in memory (NF4, int8: {@code dev.loraforge.engine.quant}).
 * The model dequantizes it for each matmul and drops the float32 copy right after; during training
 * the layer is recomputed for the backward pass ({@link LayerwiseBackward}), so the weight is
 * dequantized again there, and no float32 copy of the base stays resident.
 */
public interface QuantizedWeight {

    /** (out_features, in_features). */
    long[] shape();

    /** The scheme's name: nf4, nf4-dq or int8. */
    String scheme();

    /** A new float32 (out, in) array in {@code target} holding the dequantized weight. */
    NDArray dequantize(NDManager target);

    /**
     * True for a quantization (NF4, int8); false for a weight held in the 16-bit precision its checkpoint stores
     * ({@link HalfPrecisionWeight}), which is full precision as far as the model is concerned.
     */
    default boolean isQuantization() {
        return true;
    }

    /** Bytes of the compressed state held in memory for this weight (codes, scales; not shared code tables). */
    long residentBytes();
}
