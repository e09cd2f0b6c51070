package dev.loraforge.engine.io;

import java.util.Arrays;

/**
 * One entry of a safetensors header.
 *
 * @param name tensor name
 * @param dtype element type
 * @param shape dimensions (empty for a scalar)
 * @param offset absolute byte position of the first element in the file
 * @param byteLength number of bytes of the tensor data
 */
public record TensorInfo(String name, SafeDType dtype, long[] shape, long offset, long byteLength) {

    public TensorInfo {
        shape = shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long elementCount() {
        return elementCount(shape);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Product of the dimensions. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
