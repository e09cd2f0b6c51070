package dev.loraforge.engine.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file written one tensor at a time, each as soon as it is given, so that a model larger
 * than memory can be produced while nothing but the tensor in hand is held. The data section starts after
 * a header area reserved up front ({@link #headerBound}); when the file is finished the real header is
 * written there, padded with spaces (the format allows trailing whitespace in the header). Tensors keep
 * the order they were given in the data and in the header. The file appears only when
 * {@link #finish()} succeeds (written beside it, then moved); {@link #close()} without it removes the partial file.
 */
public final class SafeTensorsStreamFile implements TensorSink, AutoCloseable {

    /** A tensor expected in the file: its name, type and shape (for a length-prefixed blob, the largest shape expected). */
    public record Slot(String name, SafeDType dtype, long[] shape) {

        /** Bytes of the data. */
        public long byteLength() {
            return TensorInfo.elementCount(shape) * dtype.byteSize();
        }
    }

    /** Header bytes a shape may need beyond the planned one (a blob of a few more digits of length). */
    private static final int SLACK_PER_TENSOR = 24;
    /** Offsets are written as decimals; 19 digits hold any long. */
    private static final long WIDEST_OFFSET = 1_000_000_000_000_000_000L;

    private final Path file;
    private final Path tmp;
    private final FileChannel channel;
    private final int reservedHeader;
    private final Map<String, String> metadata;
    private final List<SafeTensorsWriter.HeaderEntry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private long dataBytes;
    private boolean finished;

    private SafeTensorsStreamFile(Path file, int reservedHeader, Map<String, String> metadata) {
        this.file = file;
        this.tmp = file.resolveSibling(file.getFileName() + ".tmp");
        this.reservedHeader = reservedHeader;
        this.metadata = Map.copyOf(metadata);
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            this.channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            channel.position(8L + reservedHeader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + tmp, e);
        }
    }

    /**
     * Starts {@code file} with a header area of {@code reservedHeaderBytes} (a multiple of 8, from
     * {@link #headerBound}); {@code metadata} becomes the header's {@code __metadata__}.
     */
    public static SafeTensorsStreamFile create(Path file, int reservedHeaderBytes, Map<String, String> metadata) {
        if (reservedHeaderBytes <= 0 || reservedHeaderBytes % 8 != 0) {
            throw new IllegalArgumentException("the reserved header must be a positive multiple of 8 bytes, got " + reservedHeaderBytes);
        }
        return new SafeTensorsStreamFile(file, reservedHeaderBytes, metadata);
    }

    /** Header bytes that hold {@code slots} (with any offsets) and {@code metadata}, a multiple of 8. */
    public static int headerBound(Map<String, String> metadata, List<Slot> slots) {
        List<SafeTensorsWriter.HeaderEntry> widest = new ArrayList<>();
        for (Slot s : slots) {
            widest.add(new SafeTensorsWriter.HeaderEntry(s.name(), s.dtype(), s.shape(), WIDEST_OFFSET, WIDEST_OFFSET));
        }
        long bound = SafeTensorsWriter.headerJson(metadata, widest).length + (long) SLACK_PER_TENSOR * slots.size() + 8;
        if (bound > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("a header for " + slots.size() + " tensors is too large");
        }
        return (int) ((bound + 7) / 8 * 8);
    }

    @Override
    public void putBytes(String name, SafeDType dtype, long[] shape, ByteBuffer littleEndianBytes) {
        ByteBuffer data = littleEndianBytes.duplicate();
        long length = expect(name, dtype, shape);
        if (data.remaining() != length) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.remaining() + " bytes given, " + dtype
                    + Arrays.toString(shape) + " needs " + length);
        }
        try {
            while (data.hasRemaining()) {
                channel.write(data);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tensor '" + name + "' to " + tmp, e);
        }
        record(name, dtype, shape, length);
    }

    /** Copies tensor {@code name} of {@code source} unchanged (its bytes go from file to file, not through memory). */
    public void putFrom(SafeTensorsReader source, String name) {
        TensorInfo info = source.info(name);
        long length = expect(name, info.dtype(), info.shape());
        source.transferTo(name, channel);
        record(name, info.dtype(), info.shape(), length);
    }

    private long expect(String name, SafeDType dtype, long[] shape) {
        if (finished) {
            throw new IllegalStateException(file + " is already finished");
        }
        if (name == null || name.isEmpty() || name.equals("__metadata__") || !names.add(name)) {
            throw new IllegalArgumentException("invalid or repeated tensor name '" + name + "' in " + file);
        }
        return TensorInfo.elementCount(shape) * dtype.byteSize();
    }

    private void record(String name, SafeDType dtype, long[] shape, long length) {
        entries.add(new SafeTensorsWriter.HeaderEntry(name, dtype, shape.clone(), dataBytes, dataBytes + length));
        dataBytes += length;
    }

    /** Names written so far, in order. */
    public List<String> names() {
        return entries.stream().map(SafeTensorsWriter.HeaderEntry::name).toList();
    }

    /** Bytes of tensor data written so far. */
    public long dataBytes() {
        return dataBytes;
    }

    /** Writes the header into its reserved area and moves the file into place. */
    public void finish() {
        byte[] header = SafeTensorsWriter.padded(SafeTensorsWriter.headerJson(metadata, entries), reservedHeader);
        try {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeAt(len, 0);
            writeAt(ByteBuffer.wrap(header), 8);
            channel.close();
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            finished = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish " + file, e);
        }
    }

    private void writeAt(ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            pos += channel.write(buf, pos);
        }
    }

    /** Closes; a file not {@link #finish() finished} is removed. */
    @Override
    public void close() {
        if (finished) {
            return;
        }
        try {
            channel.close();
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // a leftover .tmp file is never mistaken for the finished file
        }
    }
}
