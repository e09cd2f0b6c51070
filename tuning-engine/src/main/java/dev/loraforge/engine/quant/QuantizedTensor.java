package dev.loraforge.engine.quant;

/** A weight quantized in Java memory: NF4 ({@link Nf4Tensor}) or int8 ({@link Int8Tensor}). */
public sealed interface QuantizedTensor permits Nf4Tensor, Int8Tensor {

    /** The original shape. */
    long[] shape();

    /** Bytes of codes and scale state. */
    long dataBytes();

    /** The reconstruction, row-major float32 (the reference formula of its scheme). */
    float[] dequantize();
}
