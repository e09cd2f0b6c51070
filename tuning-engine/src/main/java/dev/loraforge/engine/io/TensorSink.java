package dev.loraforge.engine.io;

import java.nio.ByteBuffer;

/** Where tensors of a safetensors file go: {@link SafeTensorsWriter} (header first) or {@link SafeTensorsStreamFile} (written at once). */
public interface TensorSink {

    /** Adds a tensor of {@code dtype} and {@code shape} from its little-endian bytes (read from position to limit). */
    void putBytes(String name, SafeDType dtype, long[] shape, ByteBuffer littleEndianBytes);

    /** Adds float32 values of shape {@code (values.length)}. */
    default void putFloats(String name, float[] values) {
        putBytes(name, SafeDType.F32, new long[] {values.length}, SafeTensorsWriter.encode(values, SafeDType.F32));
    }
}
