package dev.loraforge.engine.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Lookup tables for dequantization on the engine, shared by all weights of one model (one copy per
 * distinct code): the byte table of a 4-bit code, {@code (256, 2)} with row b = (code[b >> 4],
 * code[b & 15]), so that one embedding lookup decodes both nibbles of a packed byte; and 256-value
 * 8-bit codes as {@code (256, 1)} columns.
 */
final class CodeTables {

    private final NDManager manager;
    private final Map<String, NDArray> tables = new HashMap<>();

    CodeTables(NDManager manager) {
        this.manager = manager;
    }

    /** (256, 2) float32: both decoded nibbles of every byte value. */
    NDArray bytePairs(float[] quantMap) {
        return tables.computeIfAbsent("pairs" + Arrays.toString(quantMap), k -> {
            float[] t = new float[512];
            for (int b = 0; b < 256; b++) {
                t[2 * b] = quantMap[b >>> 4];
                t[2 * b + 1] = quantMap[b & 0x0F];
            }
            return manager.create(t, new Shape(256, 2));
        });
    }

    /** (256, 1) float32: an 8-bit code as an embedding table. */
    NDArray column(float[] code) {
        return tables.computeIfAbsent("column" + Arrays.toString(code), k -> manager.create(code, new Shape(code.length, 1)));
    }

    /** Bytes of the tables made so far. */
    long bytes() {
        return tables.values().stream().mapToLong(a -> a.size() * 4).sum();
    }
}
