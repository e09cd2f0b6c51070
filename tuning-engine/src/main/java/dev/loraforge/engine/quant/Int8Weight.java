package dev.loraforge.engine.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.loraforge.engine.model.Ops;
import dev.loraforge.engine.model.QuantizedWeight;
import java.nio.ByteBuffer;

/** An int8 row-wise weight on the engine: int8 (out, in) and SCB (out, 1); dequantized as {@code q * SCB * (1/127)}. */
final class Int8Weight implements QuantizedWeight {

    private final long[] shape;
    private final NDArray data;   // (out, in) int8
    private final NDArray scb;    // (out, 1) float32

    Int8Weight(Int8Tensor t, NDManager manager) {
        this.shape = t.shape();
        this.data = manager.create(ByteBuffer.wrap(t.data()), new Shape(shape), DataType.INT8);
        this.scb = manager.create(t.scb(), new Shape(shape[0], 1));
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String scheme() {
        return QuantScheme.INT8.id();
    }

    @Override
    public NDArray dequantize(NDManager target) {
        NDArray w = Ops.into(data.toType(DataType.FLOAT32, false), target); // (out, in)
        return w.muli(scb).muli(Int8Quantizer.INV_127);
    }

    @Override
    public long residentBytes() {
        return data.size() + 4 * scb.size();
    }
}
