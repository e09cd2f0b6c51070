package dev.loraforge.engine.quant;

/**
 * One weight in bitsandbytes' LLM.int8() storage: int8 row-major values and one float32 scale per row
 * ({@code SCB}, the row's absmax); the value is {@code data[r][c] * SCB[r] / 127}.
 *
 * @param shape (rows, columns) = (out_features, in_features)
 */
public record Int8Tensor(long[] shape, byte[] data, float[] scb) implements QuantizedTensor {

    public Int8Tensor {
        shape = shape.clone();
        if (shape.length != 2) {
            throw new IllegalArgumentException("int8 row-wise quantization needs a 2-D weight, got " + shape.length + " dimensions");
        }
        if (data.length != shape[0] * shape[1] || scb.length != shape[0]) {
            throw new IllegalArgumentException("int8 tensor of shape [" + shape[0] + ", " + shape[1] + "] needs "
                    + shape[0] * shape[1] + " values and " + shape[0] + " row scales, got " + data.length + " and " + scb.length);
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public long size() {
        return data.length;
    }

    @Override
    public float[] dequantize() {
        return Int8Quantizer.dequantize(this);
    }

    /** Bytes of values and scales. */
    @Override
    public long dataBytes() {
        return data.length + 4L * scb.length;
    }
}
