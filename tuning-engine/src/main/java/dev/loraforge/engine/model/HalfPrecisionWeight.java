package dev.loraforge.engine.model;

import ai.djl.Device;
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
    private static final ThreadLocal<short[]> SCRATCH_IN = ThreadLocal.withInitial(() -> new short[CHUNK]);
    private static final ThreadLocal<int[]> SCRATCH_OUT = ThreadLocal.withInitial(() -> new int[CHUNK]);

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
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + name + "' is larger than 2 GiB; split it into shards");
        }
        // The bytes stay in host memory even for a model on a GPU: DJL's PyTorch binding has neither a bf16 type
        // (converting to it aborts the JVM) nor a bit cast, so widening is done by the CPU and the float32 result
        // copied to the device (widen).
        NDManager host = manager.getDevice().isGpu() ? manager.newSubManager(Device.cpu()) : manager;
        try (NDArray view = host.create(reader.bytes(name), new Shape(info.byteLength()), DataType.UINT8)) {
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
        return widen(bytes, shape, dtype, target);
    }

    /**
     * Rows {@code ids} (int64, any shape) of this (rows, cols) matrix as float32 (ids..., cols) in {@code target}:
     * an embedding lookup that widens only the rows asked for.
     */
    public NDArray rows(NDArray ids, NDManager target) {
        if (shape.length != 2) {
            throw new IllegalStateException("rows() needs a matrix, this weight has shape " + java.util.Arrays.toString(shape));
        }
        long cols = shape[1];
        try (NDManager scratch = bytes.getManager().newSubManager()) {                         // where the bytes are
            NDArray matrix = Ops.into(bytes.reshape(shape[0], 2 * cols), scratch);           // a view of the bytes
            NDArray flat = Ops.into(ids.reshape(-1).toDevice(bytes.getDevice(), false), scratch);
            NDArray picked = Ops.into(matrix.get(flat), scratch);                            // (n, 2 * cols) uint8
            long[] outShape = java.util.Arrays.copyOf(ids.getShape().getShape(), ids.getShape().dimension() + 1);
            outShape[outShape.length - 1] = cols;
            return widen(picked, outShape, dtype, target);
        }
    }

    /** Rows {@code [from, to)} of this (rows, cols) matrix as a new float32 (to - from, cols) array in {@code target}. */
    public NDArray rowBlock(long from, long to, NDManager target) {
        if (shape.length != 2 || from < 0 || to > shape[0] || from >= to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") of a weight of shape "
                    + java.util.Arrays.toString(shape));
        }
        long cols = shape[1];
        try (NDArray slice = bytes.get(2 * cols * from + ":" + 2 * cols * to)) {
            return widen(slice, new long[] {to - from, cols}, dtype, target);
        }
    }

    /**
     * The contiguous 16-bit values of {@code src} (uint8, 2 bytes each, in host memory) as a new float32 array of
     * {@code shape} in {@code target}: widened by the CPU, then copied to the device when {@code target} is a GPU's.
     */
    private static NDArray widen(NDArray src, long[] shape, SafeDType dtype, NDManager target) {
        if (!target.getDevice().isGpu()) {
            return widenOnHost(src, shape, dtype, target);
        }
        try (NDManager host = src.getManager().newSubManager()) {
            NDArray out = widenOnHost(src, shape, dtype, host).toDevice(target.getDevice(), true);
            out.attach(target);
            return out;
        }
    }

    private static NDArray widenOnHost(NDArray src, long[] shape, SafeDType dtype, NDManager target) {
        long count = src.size() / 2;
        if (count * 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a float32 copy of " + count + " values would exceed 2 GiB; widen it a block"
                    + " of rows at a time (rowBlock)");
        }
        NDArray out = target.create(new Shape(shape), DataType.FLOAT32);
        ByteBuffer in = src.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN); // the native memory, not a copy
        ByteBuffer dst = out.toByteBuffer(true).order(ByteOrder.nativeOrder());
        int chunks = (int) ((count + CHUNK - 1) / CHUNK);
        IntStream.range(0, chunks).parallel().forEach(c -> {
            int from = c * CHUNK;
            int n = (int) Math.min(count - from, CHUNK);
            short[] halves = SCRATCH_IN.get();
            int[] bits = SCRATCH_OUT.get();
            in.asShortBuffer().get(from, halves, 0, n);               // bulk copies: the loop below vectorizes
            if (dtype == SafeDType.BF16) {
                for (int i = 0; i < n; i++) {
                    bits[i] = halves[i] << 16;                          // bf16 is the upper half of a float32
                }
            } else {
                for (int i = 0; i < n; i++) {
                    bits[i] = Float.floatToRawIntBits(HalfFloats.f16ToF32(halves[i]));
                }
            }
            dst.asIntBuffer().put(from, bits, 0, n);
        });
        return out;
    }

    @Override
    public long residentBytes() {
        return bytes.size();
    }
}
