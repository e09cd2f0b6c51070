package dev.loraforge.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Writes a safetensors file: keys sorted, {@code __metadata__} first, the JSON header padded with
 * spaces to a multiple of 8 bytes (so data starts aligned), tensors streamed one at a time.
 * The file appears atomically (written beside it, then moved).
 */
public final class SafeTensorsWriter implements TensorSink {

    private record Entry(SafeDType dtype, long[] shape, long byteLength, Supplier<ByteBuffer> bytes) {
    }

    private final Map<String, Entry> entries = new TreeMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds one {@code __metadata__} string entry. */
    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds an array in its own data type. The array must stay open until {@link #write}. */
    public SafeTensorsWriter add(String name, NDArray array) {
        return add(name, array, SafeDType.of(array.getDataType()));
    }

    /** Adds an array stored as {@code as}; float arrays may be narrowed to F16 or BF16. */
    public SafeTensorsWriter add(String name, NDArray array, SafeDType as) {
        long[] shape = array.getShape().getShape();
        SafeDType own = SafeDType.of(array.getDataType());
        if (own == as) {
            return put(name, as, shape, array::toByteBuffer);
        }
        if (!own.isFloating() || !as.isFloating()) {
            throw new IllegalArgumentException("cannot store " + own + " tensor '" + name + "' as " + as);
        }
        return put(name, as, shape, () -> {
            if (array.getDataType() == DataType.FLOAT32) {
                return encode(array.toFloatArray(), as);
            }
            try (NDArray f32 = array.toType(DataType.FLOAT32, true)) {
                return encode(f32.toFloatArray(), as);
            }
        });
    }

    /** Adds Java floats stored as {@code as} (F32, F16 or BF16). */
    public SafeTensorsWriter addFloats(String name, float[] data, long[] shape, SafeDType as) {
        if (TensorInfo.elementCount(shape) != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.length
                    + " values do not fill shape " + java.util.Arrays.toString(shape));
        }
        float[] copy = data.clone();
        return put(name, as, shape, () -> encode(copy, as));
    }

    /**
     * Adds floats made only when the file is written (one tensor at a time), stored as {@code as}: a
     * model larger than the heap can be written this way.
     */
    public SafeTensorsWriter addFloatsLazily(String name, long[] shape, SafeDType as, Supplier<float[]> values) {
        long n = TensorInfo.elementCount(shape);
        return put(name, as, shape, () -> {
            float[] data = values.get();
            if (data.length != n) {
                throw new IllegalStateException("tensor '" + name + "': " + data.length + " values do not fill shape "
                        + java.util.Arrays.toString(shape));
            }
            return encode(data, as);
        });
    }

    /** Adds raw little-endian bytes of the given type and shape. */
    public SafeTensorsWriter addRaw(String name, SafeDType dtype, long[] shape, ByteBuffer littleEndianBytes) {
        ByteBuffer copy = littleEndianBytes.duplicate();
        long expected = TensorInfo.elementCount(shape) * dtype.byteSize();
        if (copy.remaining() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': " + copy.remaining()
                    + " bytes given, " + dtype + java.util.Arrays.toString(shape) + " needs " + expected);
        }
        return put(name, dtype, shape, () -> copy.duplicate());
    }

    @Override
    public void putBytes(String name, SafeDType dtype, long[] shape, ByteBuffer littleEndianBytes) {
        addRaw(name, dtype, shape, littleEndianBytes);
    }

    private SafeTensorsWriter put(String name, SafeDType dtype, long[] shape, Supplier<ByteBuffer> bytes) {
        if (name == null || name.isEmpty() || name.equals("__metadata__")) {
            throw new IllegalArgumentException("invalid tensor name '" + name + "'");
        }
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' added twice");
        }
        long len = TensorInfo.elementCount(shape) * dtype.byteSize();
        entries.put(name, new Entry(dtype, shape.clone(), len, bytes));
        return this;
    }

    /** Encodes floats as little-endian F32, F16 or BF16 (round to nearest even). */
    static ByteBuffer encode(float[] data, SafeDType as) {
        ByteBuffer out;
        switch (as) {
            case F32 -> {
                out = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                out.asFloatBuffer().put(data);
            }
            case F16 -> {
                out = ByteBuffer.allocate(data.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < data.length; i++) {
                    out.putShort(2 * i, HalfFloats.f32ToF16(data[i]));
                }
            }
            case BF16 -> {
                out = ByteBuffer.allocate(data.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < data.length; i++) {
                    out.putShort(2 * i, HalfFloats.f32ToBf16(data[i]));
                }
            }
            case F64 -> {
                out = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < data.length; i++) {
                    out.putDouble(8 * i, data[i]);
                }
            }
            default -> throw new IllegalArgumentException("floats cannot be stored as " + as);
        }
        return out;
    }

    /** The header bytes, padded with spaces to a multiple of 8. */
    byte[] header() {
        java.util.List<HeaderEntry> list = new java.util.ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry en = e.getValue();
            list.add(new HeaderEntry(e.getKey(), en.dtype(), en.shape(), offset, offset + en.byteLength()));
            offset += en.byteLength();
        }
        return padded(headerJson(metadata, list), 0);
    }

    /** One tensor of a header: its data occupies bytes [begin, end) of the data section. */
    record HeaderEntry(String name, SafeDType dtype, long[] shape, long begin, long end) {
    }

    /** The header JSON: {@code __metadata__} first (when any), then the tensors in the order given. */
    static byte[] headerJson(Map<String, String> metadata, java.util.List<HeaderEntry> tensors) {
        ObjectNode root = SafeTensorsReader.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        for (HeaderEntry en : tensors) {
            ObjectNode t = root.putObject(en.name());
            t.put("dtype", en.dtype().tag());
            ArrayNode shape = t.putArray("shape");
            for (long d : en.shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(en.begin()).add(en.end());
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code json} followed by spaces up to {@code length} bytes, or up to the next multiple of 8 when
     * {@code length} is 0 (the format allows trailing whitespace in the header).
     */
    static byte[] padded(byte[] json, int length) {
        int size = length > 0 ? length : (json.length + 7) / 8 * 8;
        if (json.length > size) {
            throw new IllegalStateException("a safetensors header of " + json.length + " bytes does not fit the " + size
                    + " reserved for it");
        }
        byte[] out = java.util.Arrays.copyOf(json, size);
        java.util.Arrays.fill(out, json.length, size, (byte) ' ');
        return out;
    }

    /** Writes the file (its parent directory is created). */
    public void write(Path file) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] header = header();
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Map.Entry<String, Entry> e : entries.entrySet()) {
                    ByteBuffer data = e.getValue().bytes().get().duplicate();
                    if (data.remaining() != e.getValue().byteLength()) {
                        throw new IllegalStateException("tensor '" + e.getKey() + "' produced " + data.remaining()
                                + " bytes, expected " + e.getValue().byteLength());
                    }
                    writeFully(ch, data);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort cleanup of a partial file
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
