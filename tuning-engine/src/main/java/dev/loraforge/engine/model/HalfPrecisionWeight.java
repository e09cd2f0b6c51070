package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.loraforge.engine.io.HalfFloats;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * A frozen projection weight held as its checkpoint stores it, bf16 or fp16: 2 bytes per parameter,
 * never a resident float32 copy. Like a quantized weight it is widened to float32 for each matmul
 * (exactly: every bf16 and fp16 value is a float32 value) and the copy is dropped right after; in
 * training the layer is recomputed for the backward pass ({@link LayerwiseBackward}).
 *
 * <p>The bytes live in a native uint8 array (the PyTorch engine of DJL has no bf16 type); widening
 * reads and writes the native memory in place, on all cores, without a Java-heap copy.
 */
public final class HalfPrecisionWeight implements QuantizedWeight {

    private static final int CHUNK = 1 << 20;

    private final NDArray bytes;     // (2 * out * in) uint8, little-endian 16-bit values
    private final long[] shape;
    private final SafeDType dtype;

    private HalfPrecisionWeight(NDArray bytes, long[] shape, SafeDType dtype) {
        this.bytes = bytes;
        this.shape = shape.clone();
        this.dtype = dtype;
    }

    /** Whether a stored tensor of this type is held this way (BF16 and F16). */
    public static boolean holds(SafeDType dtype) {
        return dtype == SafeDType.BF16 || dtype == SafeDType.F16;
    }

    /** The tensor {@code name} of {@code reader} (BF16 or F16), its bytes copied into {@code manager}. */
    public static HalfPrecisionWeight read(SafeTensorsReader reader, String name, NDManager manager) {
        TensorInfo info = reader.info(name);
        if (!holds(info.dtype())) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + info.dtype() + ", not BF16 or F16");
        }
        if (info.elementCount() * 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + name + "' is larger than 2 GiB; split it into shards");
        }
        try (NDArray view = manager.create(reader.bytes(name), new Shape(info.byteLength()), DataType.UINT8)) {
            NDArray owned = view.duplicate(); // the view reads the file mapping in place
            owned.setName(name);
            return new HalfPrecisionWeight(owned, info.shape(), info.dtype());
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** "bf16" or "f16". */
    @Override
    public String scheme() {
        return dtype == SafeDType.BF16 ? "bf16" : "f16";
    }

    /** Full precision as stored, not a quantization. */
    @Override
    public boolean isQuantization() {
        return false;
    }

    @Override
    public NDArray dequantize(NDManager target) {
        long count = bytes.size() / 2;
        NDArray out = target.create(new Shape(shape), DataType.FLOAT32);
        ByteBuffer src = bytes.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN); // the native memory, not a copy
        ByteBuffer dst = out.toByteBuffer(true).order(ByteOrder.nativeOrder());
        int chunks = (int) ((count + CHUNK - 1) / CHUNK);
        IntStream.range(0, chunks).parallel().forEach(c -> {
            int from = c * CHUNK;
            int to = (int) Math.min(count, (long) from + CHUNK);
            if (dtype == SafeDType.BF16) {
                for (int i = from; i < to; i++) {
                    dst.putInt(4 * i, (src.getShort(2 * i) & 0xFFFF) << 16); // bf16 is the upper half of a float32
                }
            } else {
                for (int i = from; i < to; i++) {
                    dst.putFloat(4 * i, HalfFloats.f16ToF32(src.getShort(2 * i)));
                }
            }
        });
        return out;
    }

    @Override
    public long residentBytes() {
        return bytes.size();
    }
}
