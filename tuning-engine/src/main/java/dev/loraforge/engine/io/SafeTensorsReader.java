package dev.loraforge.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads safetensors files: an 8-byte little-endian header length, a JSON header, then raw data.
 * Tensors are memory-mapped one at a time from a {@link FileChannel}; nothing copies a whole file
 * into the Java heap. A model directory may be one {@code model.safetensors} or shards listed in
 * {@code model.safetensors.index.json}.
 */
public final class SafeTensorsReader implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    private final Map<String, TensorInfo> infos = new TreeMap<>();
    private final Map<String, FileChannel> channelOf = new TreeMap<>();
    private final Map<String, Path> fileOf = new TreeMap<>();
    private final List<FileChannel> channels = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private SafeTensorsReader() {
    }

    /** Opens one .safetensors file. */
    public static SafeTensorsReader open(Path file) {
        SafeTensorsReader reader = new SafeTensorsReader();
        try {
            reader.addFile(file);
            return reader;
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    /** Opens the weights of a Hugging Face model directory (single file or sharded). */
    public static SafeTensorsReader openModel(Path modelDir) {
        Path single = modelDir.resolve("model.safetensors");
        Path index = modelDir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            return openSharded(modelDir, index);
        }
        if (Files.isRegularFile(single)) {
            return open(single);
        }
        throw new IllegalArgumentException("no weights in " + modelDir
                + ": expected model.safetensors or model.safetensors.index.json"
                + " (PyTorch .bin checkpoints are not supported; convert them to safetensors)");
    }

    private static SafeTensorsReader openSharded(Path modelDir, Path index) {
        JsonNode map;
        try {
            map = JSON.readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot parse " + index + ": " + e.getMessage(), e);
        }
        if (map == null || !map.isObject()) {
            throw new IllegalArgumentException(index + " has no \"weight_map\" object");
        }
        SortedSet<String> shardNames = new TreeSet<>();
        map.fields().forEachRemaining(e -> shardNames.add(e.getValue().asText()));
        SafeTensorsReader reader = new SafeTensorsReader();
        try {
            for (String shard : shardNames) {
                Path shardFile = modelDir.resolve(shard).normalize();
                if (!shardFile.startsWith(modelDir.normalize()) || !Files.isRegularFile(shardFile)) {
                    throw new IllegalArgumentException(index + " names shard '" + shard
                            + "' which is not a file in " + modelDir);
                }
                reader.addFile(shardFile);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Path owner = reader.fileOf.get(e.getKey());
                if (owner == null || !owner.getFileName().toString().equals(e.getValue().asText())) {
                    throw new IllegalArgumentException(index + " maps '" + e.getKey() + "' to "
                            + e.getValue().asText() + " but that shard does not contain it");
                }
            }
            return reader;
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    private void addFile(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file, e);
        }
        channels.add(ch);
        try {
            long size = ch.size();
            if (size < 8) {
                throw new IllegalArgumentException(file + " is not a safetensors file (" + size + " bytes)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new IllegalArgumentException(file + ": invalid safetensors header length " + headerLen);
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            JsonNode root;
            try {
                root = JSON.readTree(header.array());
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": safetensors header is not valid JSON: " + e.getMessage());
            }
            parseHeader(file, ch, root, 8 + headerLen, size);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private void parseHeader(Path file, FileChannel ch, JsonNode root, long dataStart, long fileSize) {
        if (!root.isObject()) {
            throw new IllegalArgumentException(file + ": safetensors header must be a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode node = e.getValue();
            if (name.equals("__metadata__")) {
                node.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            if (infos.containsKey(name)) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' also appears in " + fileOf.get(name));
            }
            SafeDType dtype = SafeDType.fromTag(node.path("dtype").asText());
            JsonNode shapeNode = node.path("shape");
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong();
            }
            JsonNode offs = node.path("data_offsets");
            if (offs.size() != 2) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' has no data_offsets [begin, end]");
            }
            long begin = offs.get(0).asLong();
            long end = offs.get(1).asLong();
            long expected = TensorInfo.elementCount(shape) * dtype.byteSize();
            if (begin < 0 || end < begin || end - begin != expected || dataStart + end > fileSize) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' has data_offsets [" + begin
                        + ", " + end + "] inconsistent with " + dtype + java.util.Arrays.toString(shape)
                        + " (" + expected + " bytes) or the file size " + fileSize);
            }
            infos.put(name, new TensorInfo(name, dtype, shape, dataStart + begin, end - begin));
            channelOf.put(name, ch);
            fileOf.put(name, file);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + pos);
            }
            pos += n;
        }
        buf.flip();
    }

    /** Tensor names, sorted. */
    public SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(infos.keySet()));
    }

    public boolean contains(String name) {
        return infos.containsKey(name);
    }

    /** Header entry of a tensor; unknown names are refused. */
    public TensorInfo info(String name) {
        TensorInfo info = infos.get(name);
        if (info == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "' (the file has " + infos.size()
                    + " tensors, e.g. " + infos.keySet().stream().limit(3).toList() + ")");
        }
        return info;
    }

    /** The {@code __metadata__} entries (merged over shards); empty when absent. */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** A read-only, little-endian, memory-mapped view of a tensor's bytes. */
    public ByteBuffer bytes(String name) {
        TensorInfo info = info(name);
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + name + "' is larger than 2 GiB; split it into shards");
        }
        try {
            return channelOf.get(name)
                    .map(FileChannel.MapMode.READ_ONLY, info.offset(), info.byteLength())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map tensor '" + name + "' of " + fileOf.get(name), e);
        }
    }

    /** The tensor as a float32 array (F32, F16, BF16 and F64 are converted) in {@code manager}. */
    public NDArray readFloat32(String name, NDManager manager) {
        TensorInfo info = info(name);
        if (!info.dtype().isFloating()) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + info.dtype() + ", not a floating type");
        }
        return read(name, manager);
    }

    /** The tensor in its own type (BF16 arrives as float32) in {@code manager}. */
    public NDArray read(String name, NDManager manager) {
        TensorInfo info = info(name);
        Shape shape = new Shape(info.shape());
        if (info.elementCount() == 0) {
            DataType t = info.dtype() == SafeDType.BF16 ? DataType.FLOAT32 : info.dtype().djl();
            return manager.create(shape, t);
        }
        if (info.dtype() == SafeDType.BF16) {
            return manager.create(bf16ToDirectF32(bytes(name), info.elementCount()), shape, DataType.FLOAT32);
        }
        ByteBuffer mapped = bytes(name);
        try (NDArray view = manager.create(mapped, shape, info.dtype().djl())) {
            // copy out of the mapping so that the array outlives this reader
            return info.dtype().isFloating() && info.dtype() != SafeDType.F32
                    ? view.toType(DataType.FLOAT32, false)
                    : view.duplicate();
        }
    }

    /** bf16 is the upper half of a float32: widen into a direct buffer (off the Java heap). */
    private static ByteBuffer bf16ToDirectF32(ByteBuffer src, long count) {
        if (count * 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("BF16 tensor of " + count + " elements exceeds 2 GiB once widened to F32");
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) (count * 4)).order(ByteOrder.nativeOrder());
        for (int i = 0; i < count; i++) {
            out.putInt(4 * i, (src.getShort(2 * i) & 0xFFFF) << 16);
        }
        return out;
    }

    /**
     * The tensor converted to a Java float array (floating types only). Read through a small buffer, not
     * mapped: a large model read tensor by tensor does not keep every tensor's pages resident in this process.
     */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        long n = info.elementCount();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + name + "' is too large for a Java array");
        }
        float[] out = new float[(int) n];
        readFloats(name, 0, out, 0, out.length);
        return out;
    }

    /**
     * Elements {@code [from, from + count)} of tensor {@code name} (row-major) converted to floats into
     * {@code out[at ...]}: a slice of a tensor of any size, read through the same small buffer as
     * {@link #readFloats(String)}.
     */
    public void readFloats(String name, long from, float[] out, int at, int count) {
        TensorInfo info = info(name);
        if (!info.dtype().isFloating()) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + info.dtype() + ", not a floating type");
        }
        if (from < 0 || count < 0 || from + count > info.elementCount()) {
            throw new IllegalArgumentException("elements [" + from + ", " + (from + count) + ") are outside tensor '"
                    + name + "' of " + info.elementCount());
        }
        int size = info.dtype().byteSize();
        ByteBuffer chunk = ByteBuffer.allocateDirect((int) Math.min(READ_CHUNK, Math.max(size, (long) count * size)))
                .order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = chunk.capacity() / size;
        try {
            for (int done = 0; done < count; done += perChunk) {
                int n = Math.min(perChunk, count - done);
                chunk.clear().limit(n * size);
                readFully(channelOf.get(name), chunk, info.offset() + (from + done) * size);
                decode(info.dtype(), name, chunk, out, at + done, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor '" + name + "' of " + fileOf.get(name), e);
        }
    }

    /** Bytes read at a time by {@link #readFloats}. */
    private static final int READ_CHUNK = 8 << 20;

    /**
     * Appends tensor {@code name}'s bytes to {@code target} (file to file in the kernel where it can: neither
     * mapped nor copied through the Java heap).
     */
    public void transferTo(String name, java.nio.channels.WritableByteChannel target) {
        TensorInfo info = info(name);
        FileChannel ch = channelOf.get(name);
        try {
            long done = 0;
            while (done < info.byteLength()) {
                long n = ch.transferTo(info.offset() + done, info.byteLength() - done, target);
                if (n <= 0) {
                    throw new IOException("no progress copying at byte " + done + " of " + info.byteLength());
                }
                done += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy tensor '" + name + "' of " + fileOf.get(name), e);
        }
    }

    static float[] toFloats(TensorInfo info, ByteBuffer buf) {
        long n = info.elementCount();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + info.name() + "' is too large for a Java array");
        }
        float[] out = new float[(int) n];
        decode(info.dtype(), info.name(), buf, out, 0, out.length);
        return out;
    }

    /** {@code count} values of {@code dtype} from {@code buf}'s position as floats into {@code out[at ...]}. */
    private static void decode(SafeDType dtype, String name, ByteBuffer buf, float[] out, int at, int count) {
        ByteBuffer b = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out, at, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[at + i] = HalfFloats.f16ToF32(b.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[at + i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16);
                }
            }
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    out[at + i] = (float) b.getDouble(8 * i);
                }
            }
            default -> throw new IllegalArgumentException("tensor '" + name + "' is " + dtype + ", not a floating type");
        }
    }

    @Override
    public void close() {
        for (FileChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing a read-only channel cannot lose data
            }
        }
        channels.clear();
    }
}
