package dev.loraforge.engine.export;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent GGUF v3 reader for tests, written from ggml's gguf.h / gguf.cpp (not from {@link GgufWriter}):
 * the whole file is read into memory and every key, tensor info and tensor checked as ggml's reader checks them
 * (magic, version, value types, the alignment key's type, offsets equal to the running padded sizes).
 */
final class GgufFile {

    /** One metadata value: its gguf type id, its element type for arrays, and the value. */
    record Value(int type, int elementType, Object value) {
    }

    /** One tensor info: ne in ggml order (ne[0] innermost), ggml type, offset into the data section. */
    record Info(String name, long[] ne, int type, long offset) {
        long elements() {
            long n = 1;
            for (long d : ne) {
                n *= d;
            }
            return n;
        }

        long bytes() {
            return elements() * (type == 0 ? 4 : 2);
        }
    }

    final long size;
    final int version;
    final Map<String, Value> kv = new LinkedHashMap<>();
    final Map<String, Info> tensors = new LinkedHashMap<>();
    final long dataStart;
    final int alignment;
    private final ByteBuffer buf;

    private GgufFile(ByteBuffer buf) {
        this.buf = buf;
        this.size = buf.limit();
        int magic = buf.getInt();
        if (magic != 0x46554747) {
            throw new IllegalStateException("bad magic " + Integer.toHexString(magic));
        }
        version = buf.getInt();
        long nTensors = buf.getLong();
        long nKv = buf.getLong();
        for (long i = 0; i < nKv; i++) {
            String key = string();
            int type = buf.getInt();
            Value v;
            if (type == 9) {
                int et = buf.getInt();
                long n = buf.getLong();
                List<Object> items = new ArrayList<>();
                for (long k = 0; k < n; k++) {
                    items.add(scalar(et));
                }
                v = new Value(9, et, items);
            } else {
                v = new Value(type, -1, scalar(type));
            }
            if (kv.put(key, v) != null) {
                throw new IllegalStateException("duplicate key " + key);
            }
        }
        Value align = kv.get("general.alignment");
        if (align != null && align.type() != 4) {
            throw new IllegalStateException("general.alignment must be UINT32, is type " + align.type());
        }
        alignment = align == null ? 32 : (int) (long) (Long) align.value();
        for (long i = 0; i < nTensors; i++) {
            String name = string();
            int nDims = buf.getInt();
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = buf.getLong();
            }
            int type = buf.getInt();
            long offset = buf.getLong();
            if (tensors.put(name, new Info(name, ne, type, offset)) != null) {
                throw new IllegalStateException("duplicate tensor " + name);
            }
        }
        dataStart = pad(buf.position());
        long expected = 0;
        for (Info t : tensors.values()) {
            if (t.offset() != expected) {
                throw new IllegalStateException(t.name() + " has offset " + t.offset() + ", ggml expects " + expected);
            }
            expected += pad(t.bytes());
        }
        if (dataStart + expected > size) {
            throw new IllegalStateException("data section of " + expected + " bytes at " + dataStart + " exceeds the file size " + size);
        }
    }

    static GgufFile read(Path file) throws IOException {
        return new GgufFile(ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN));
    }

    long pad(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private String string() {
        long n = buf.getLong();
        byte[] b = new byte[Math.toIntExact(n)];
        buf.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private Object scalar(int type) {
        return switch (type) {
            case 0 -> (long) (buf.get() & 0xFF);
            case 1 -> (long) buf.get();
            case 2 -> (long) (buf.getShort() & 0xFFFF);
            case 3 -> (long) buf.getShort();
            case 4 -> buf.getInt() & 0xFFFF_FFFFL;
            case 5 -> buf.getInt();
            case 6 -> buf.getFloat();
            case 7 -> {
                byte b = buf.get();
                if (b != 0 && b != 1) {
                    throw new IllegalStateException("bool byte " + b);
                }
                yield b == 1;
            }
            case 8 -> string();
            case 10, 11 -> buf.getLong();
            case 12 -> buf.getDouble();
            default -> throw new IllegalStateException("unknown gguf type " + type);
        };
    }

    Object value(String key) {
        Value v = kv.get(key);
        if (v == null) {
            throw new IllegalStateException("no key " + key);
        }
        return v.value();
    }

    int type(String key) {
        return kv.get(key).type();
    }

    @SuppressWarnings("unchecked")
    List<String> strings(String key) {
        Value v = kv.get(key);
        if (v.type() != 9 || v.elementType() != 8) {
            throw new IllegalStateException(key + " is not an array of strings");
        }
        return (List<String>) (List<?>) v.value();
    }

    int[] ints(String key) {
        Value v = kv.get(key);
        if (v.type() != 9 || v.elementType() != 5) {
            throw new IllegalStateException(key + " is not an array of int32");
        }
        return ((List<?>) v.value()).stream().mapToInt(o -> (Integer) o).toArray();
    }

    /** Raw element bits: F32 as float bits, F16 as the 16-bit pattern, in file (ggml row-major) order. */
    int[] bits(String name) {
        Info t = tensors.get(name);
        int[] out = new int[Math.toIntExact(t.elements())];
        int at = Math.toIntExact(dataStart + t.offset());
        for (int i = 0; i < out.length; i++) {
            out[i] = t.type() == 0 ? buf.getInt(at + 4 * i) : buf.getShort(at + 2 * i) & 0xFFFF;
        }
        return out;
    }

    /** The padding bytes after tensor {@code name}. */
    byte[] paddingAfter(String name) {
        Info t = tensors.get(name);
        byte[] out = new byte[(int) (pad(t.bytes()) - t.bytes())];
        buf.get(Math.toIntExact(dataStart + t.offset() + t.bytes()), out);
        return out;
    }
}
