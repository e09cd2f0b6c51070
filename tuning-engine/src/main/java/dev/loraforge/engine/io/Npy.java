package dev.loraforge.engine.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} format version 1.0 for little-endian float32 arrays in C order: the magic
 * {@code \x93NUMPY}, version bytes 1 0, a 2-byte header length, then a Python dict literal padded
 * with spaces and a newline so that the data starts on a 64-byte boundary, as NumPy writes it.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    /** A float32 array read back from a .npy file. */
    public record NpyArray(long[] shape, float[] data) {
    }

    private Npy() {
    }

    /** Writes {@code data} (C order) with the given shape. */
    public static void writeFloat32(Path file, float[] data, long... shape) {
        if (TensorInfo.elementCount(shape) != data.length) {
            throw new IllegalArgumentException(data.length + " values do not fill shape " + Arrays.toString(shape));
        }
        byte[] header = header(shape);
        ByteBuffer body = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.asFloatBuffer().put(data);
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                out.write(header);
                out.write(body.array());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Writes an NDArray, converted to float32. */
    public static void writeFloat32(Path file, NDArray array) {
        try (NDArray f32 = array.toType(DataType.FLOAT32, true)) {
            writeFloat32(file, f32.toFloatArray(), array.getShape().getShape());
        }
    }

    static byte[] header(long[] shape) {
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            dims.append(shape[i]).append(i == 0 && shape.length == 1 ? "," : (i < shape.length - 1 ? ", " : ""));
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        int prefix = MAGIC.length + 2 + 2;
        int total = (prefix + dict.length() + 1 + 63) / 64 * 64;
        String padded = dict + " ".repeat(total - prefix - dict.length() - 1) + "\n";
        byte[] text = padded.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(prefix + text.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        return out.array();
    }

    /** Reads a little-endian float32, C-order .npy file (versions 1.0 and 2.0). */
    public static NpyArray readFloat32(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        for (byte b : MAGIC) {
            if (buf.get() != b) {
                throw new IllegalArgumentException(file + " is not a .npy file (bad magic)");
            }
        }
        int major = buf.get();
        buf.get();
        int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        String dict = new String(all, buf.position(), headerLen, StandardCharsets.US_ASCII);
        if (!dict.contains("'descr': '<f4'") || dict.contains("'fortran_order': True")) {
            throw new IllegalArgumentException(file + ": only little-endian float32 in C order is supported, header "
                    + dict.trim());
        }
        Matcher m = SHAPE.matcher(dict);
        if (!m.find()) {
            throw new IllegalArgumentException(file + ": header has no shape: " + dict.trim());
        }
        long[] shape = Arrays.stream(m.group(1).split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        buf.position(buf.position() + headerLen);
        float[] data = new float[Math.toIntExact(TensorInfo.elementCount(shape))];
        buf.asFloatBuffer().get(data);
        return new NpyArray(shape, data);
    }
}
