package dev.loraforge.engine.quant;

import java.util.Arrays;

/** The quantization schemes of the engine, by their command-line names. */
public enum QuantScheme {
    /** NF4, blocks of 64, float32 absmax per block (bitsandbytes 4-bit, compress_statistics=False). */
    NF4("nf4"),
    /** NF4 with double quantization of the absmax values (QLoRA's default; ~4.13 bits per parameter). */
    NF4_DQ("nf4-dq"),
    /** Row-wise absmax int8 (bitsandbytes LLM.int8() storage: int8 weight + float32 SCB per row). */
    INT8("int8");

    private final String id;

    QuantScheme(String id) {
        this.id = id;
    }

    /** The command-line name: nf4, nf4-dq or int8. */
    public String id() {
        return id;
    }

    public boolean fourBit() {
        return this != INT8;
    }

    public static QuantScheme parse(String name) {
        for (QuantScheme s : values()) {
            if (s.id.equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown quantization scheme '" + name + "'; use one of "
                + Arrays.stream(values()).map(QuantScheme::id).toList());
    }
}
