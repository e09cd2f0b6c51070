package dev.loraforge.engine.export;

import dev.loraforge.engine.io.HalfFloats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a GGUF v3 file (ggml's {@code gguf.h}: little-endian) in one pass, holding no tensor data:
 * declare every metadata key and every tensor (name, PyTorch shape, type) first, then {@link #writeHeader()}, then
 * give each tensor's values in the declared order ({@link #beginTensor}, {@link #write}, {@link #endTensor}).
 * The header is fully known up front because a safetensors header gives shapes and types before any data is read,
 * so an 8B model streams through a 1 MiB buffer.
 *
 * <p>Layout: magic {@code GGUF}, uint32 version 3, uint64 tensor count, uint64 key count; each key as a gguf string
 * (uint64 byte length + UTF-8), uint32 value type, value (arrays: uint32 element type, uint64 count, elements); each
 * tensor info as name, uint32 n_dims, uint64 {@code ne[n_dims]} (ggml order: {@code ne[0]} is the innermost, the
 * LAST PyTorch dimension), uint32 ggml type, uint64 offset into the data section; zero padding to the alignment;
 * the data section. Offsets are what ggml's reader requires: tensor i starts at the sum of the earlier tensors'
 * sizes, each rounded up to the alignment, and every tensor is followed by its zero padding (the last one too, as
 * ggml's and gguf-py's writers do: a reader that loads the whole data blob reads the padded size).
 */
public final class GgufWriter implements AutoCloseable {

    /** GGUF metadata value types (gguf.h {@code enum gguf_type}). */
    public enum ValueType {
        UINT8(0), INT8(1), UINT16(2), INT16(3), UINT32(4), INT32(5), FLOAT32(6), BOOL(7), STRING(8), ARRAY(9),
        UINT64(10), INT64(11), FLOAT64(12);

        /** The uint32 written into the file. */
        public final int id;

        ValueType(int id) {
            this.id = id;
        }
    }

    /** The ggml tensor types this writer produces ({@code enum ggml_type}). */
    public enum TensorType {
        F32(0, 4), F16(1, 2);

        /** The uint32 written into the tensor info. */
        public final int id;
        /** Bytes per element. */
        public final int bytes;

        TensorType(int id, int bytes) {
            this.id = id;
            this.bytes = bytes;
        }
    }

    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    public static final int VERSION = 3;
    public static final int ALIGNMENT = 32;
    private static final long MAX_F16 = 65504;

    private record Kv(String key, ValueType type, Object value, ValueType elementType) {
    }

    private record Tensor(String name, long[] ne, TensorType type, long elements, long offset) {
        long bytes() {
            return elements * type.bytes;
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private final List<Kv> kvs = new ArrayList<>();
    private final Set<String> keys = new HashSet<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();
    private long dataBytes;          // size of the data section so far (padded)
    private long position;           // bytes handed to the channel + buffered
    private long dataStart = -1;
    private int next;                // index of the tensor to write next
    private long written = -1;       // elements of the current tensor written, -1 outside a tensor

    /** Creates (or truncates) {@code file}. */
    public GgufWriter(Path file) {
        this.file = file;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
    }

    // ---- metadata (before writeHeader) ----

    public GgufWriter putString(String key, String value) {
        return put(key, ValueType.STRING, value, null);
    }

    public GgufWriter putUInt32(String key, long value) {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(key + ": " + value + " does not fit a uint32");
        }
        return put(key, ValueType.UINT32, value, null);
    }

    public GgufWriter putUInt64(String key, long value) {
        return put(key, ValueType.UINT64, value, null);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, ValueType.INT32, value, null);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, ValueType.FLOAT32, value, null);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, ValueType.BOOL, value, null);
    }

    /** An ARRAY of STRING. */
    public GgufWriter putStringArray(String key, List<String> values) {
        return put(key, ValueType.ARRAY, List.copyOf(values), ValueType.STRING);
    }

    /** An ARRAY of INT32. */
    public GgufWriter putInt32Array(String key, int[] values) {
        return put(key, ValueType.ARRAY, values.clone(), ValueType.INT32);
    }

    private GgufWriter put(String key, ValueType type, Object value, ValueType elementType) {
        requireHeaderNotWritten();
        if (key == null || key.isEmpty() || !keys.add(key)) {
            throw new IllegalArgumentException("metadata key '" + key + "' is empty or given twice");
        }
        kvs.add(new Kv(key, type, value, elementType));
        return this;
    }

    // ---- tensors ----

    /**
     * Declares the next tensor. {@code torchShape} is in PyTorch order (outermost first); it is written reversed,
     * as ggml's {@code ne}. Tensors are written in the order they are declared.
     */
    public GgufWriter addTensor(String name, long[] torchShape, TensorType type) {
        requireHeaderNotWritten();
        if (!tensorNames.add(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' is declared twice");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length >= 64) {
            throw new IllegalArgumentException("tensor name '" + name + "' is longer than ggml's 63 bytes");
        }
        if (torchShape.length < 1 || torchShape.length > 4) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + torchShape.length + " dimensions; ggml takes 1 to 4");
        }
        long[] ne = new long[torchShape.length];
        long elements = 1;
        for (int i = 0; i < ne.length; i++) {
            ne[i] = torchShape[torchShape.length - 1 - i];
            elements = Math.multiplyExact(elements, ne[i]);
        }
        Tensor t = new Tensor(name, ne, type, elements, dataBytes);
        tensors.add(t);
        dataBytes += pad(t.bytes());
        return this;
    }

    /** Writes magic, counts, every key and tensor info and the padding up to the data section. */
    public void writeHeader() {
        requireHeaderNotWritten();
        putRawInt(MAGIC);
        putRawInt(VERSION);
        putRawLong(tensors.size());
        putRawLong(kvs.size());
        for (Kv kv : kvs) {
            putRawString(kv.key());
            putRawInt(kv.type().id);
            writeValue(kv);
        }
        for (Tensor t : tensors) {
            putRawString(t.name());
            putRawInt(t.ne().length);
            for (long d : t.ne()) {
                putRawLong(d);
            }
            putRawInt(t.type().id);
            putRawLong(t.offset());
        }
        zeros(pad(position) - position);
        dataStart = position;
    }

    private void writeValue(Kv kv) {
        switch (kv.type()) {
            case STRING -> putRawString((String) kv.value());
            case UINT32 -> putRawInt((int) (long) (Long) kv.value());
            case UINT64 -> putRawLong((Long) kv.value());
            case INT32 -> putRawInt((Integer) kv.value());
            case FLOAT32 -> putRawFloat((Float) kv.value());
            case BOOL -> putRawByte((Boolean) kv.value() ? 1 : 0);
            case ARRAY -> {
                putRawInt(kv.elementType().id);
                if (kv.elementType() == ValueType.STRING) {
                    @SuppressWarnings("unchecked")
                    List<String> values = (List<String>) kv.value();
                    putRawLong(values.size());
                    values.forEach(this::putRawString);
                } else {
                    int[] values = (int[]) kv.value();
                    putRawLong(values.length);
                    for (int v : values) {
                        putRawInt(v);
                    }
                }
            }
            default -> throw new IllegalStateException("unwritten value type " + kv.type());
        }
    }

    /** Starts the data of {@code name}, which must be the next declared tensor. */
    public void beginTensor(String name) {
        if (dataStart < 0) {
            throw new IllegalStateException("writeHeader() must come before tensor data");
        }
        if (written >= 0) {
            throw new IllegalStateException("tensor '" + tensors.get(next).name() + "' is not finished");
        }
        if (next >= tensors.size() || !tensors.get(next).name().equals(name)) {
            throw new IllegalStateException("tensor '" + name + "' is not the next declared one ("
                    + (next < tensors.size() ? tensors.get(next).name() : "all are written") + ")");
        }
        written = 0;
    }

    /**
     * Appends {@code count} values of the current tensor, converted to its type (F16 rounds to nearest even).
     * A value that is not finite in the tensor's type (NaN, infinity, or beyond F16's ±65504) is refused naming the
     * tensor and element.
     */
    public void write(float[] values, int from, int count) {
        Tensor t = current();
        if (written + count > t.elements()) {
            throw new IllegalStateException("tensor '" + t.name() + "' has " + t.elements() + " elements; "
                    + (written + count) + " were given");
        }
        int size = t.type().bytes;
        for (int i = from; i < from + count; ) {
            ensure(size);
            int end = Math.min(from + count, i + buffer.remaining() / size);
            for (; i < end; i++) {
                float v = values[i];
                if (t.type() == TensorType.F16) {
                    short h = HalfFloats.f32ToF16(v);
                    if ((h & 0x7C00) == 0x7C00) { // exponent all ones: infinity or NaN
                        throw nonFinite(t, written + i - from, v, Float.isFinite(v)
                                ? " (beyond float16's range of +-" + MAX_F16 + ")" : "");
                    }
                    buffer.putShort(h);
                } else {
                    if (!Float.isFinite(v)) {
                        throw nonFinite(t, written + i - from, v, "");
                    }
                    buffer.putFloat(v);
                }
            }
        }
        position += (long) count * t.type().bytes;
        written += count;
    }

    private static IllegalArgumentException nonFinite(Tensor t, long index, float v, String why) {
        return new IllegalArgumentException("tensor '" + t.name() + "' element " + index + " is " + v + why
                + ": it is not finite as " + t.type() + "; nothing usable was written");
    }

    /** Ends the current tensor (all its elements must have been written) and writes its padding. */
    public void endTensor() {
        Tensor t = current();
        if (written != t.elements()) {
            throw new IllegalStateException("tensor '" + t.name() + "' got " + written + " of " + t.elements() + " elements");
        }
        zeros(pad(t.bytes()) - t.bytes());
        if (position != dataStart + t.offset() + pad(t.bytes())) {
            throw new IllegalStateException("tensor '" + t.name() + "' ends at " + position + ", not where its offset says");
        }
        written = -1;
        next++;
    }

    private Tensor current() {
        if (written < 0) {
            throw new IllegalStateException("no tensor begun; call beginTensor first");
        }
        return tensors.get(next);
    }

    /** Number of declared tensors. */
    public int tensorCount() {
        return tensors.size();
    }

    /** Bytes written so far (the file's size once closed). */
    public long position() {
        return position;
    }

    /** Flushes and closes; refuses (after closing) when a declared tensor was not written. */
    @Override
    public void close() {
        try (channel) {
            drain();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        if (dataStart >= 0 && next != tensors.size()) {
            throw new IllegalStateException(file + " is incomplete: " + (tensors.size() - next) + " of "
                    + tensors.size() + " tensors were not written");
        }
    }

    // ---- raw little-endian output through the buffer ----

    private static long pad(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private void requireHeaderNotWritten() {
        if (dataStart >= 0) {
            throw new IllegalStateException("the header of " + file + " is already written");
        }
    }

    private void ensure(int bytes) {
        if (buffer.remaining() < bytes) {
            drain();
        }
    }

    private void drain() {
        buffer.flip();
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        buffer.clear();
    }

    private void putRawByte(int v) {
        ensure(1);
        buffer.put((byte) v);
        position += 1;
    }

    private void putRawInt(int v) {
        ensure(4);
        buffer.putInt(v);
        position += 4;
    }

    private void putRawLong(long v) {
        ensure(8);
        buffer.putLong(v);
        position += 8;
    }

    private void putRawFloat(float v) {
        ensure(4);
        buffer.putFloat(v);
        position += 4;
    }

    private void putRawString(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        putRawLong(utf8.length);
        for (int at = 0; at < utf8.length; ) {
            ensure(1);
            int n = Math.min(buffer.remaining(), utf8.length - at);
            buffer.put(utf8, at, n);
            at += n;
        }
        position += utf8.length;
    }

    private void zeros(long n) {
        byte[] z = new byte[(int) n]; // n < ALIGNMENT
        ensure(z.length);
        buffer.put(z);
        position += n;
    }
}
