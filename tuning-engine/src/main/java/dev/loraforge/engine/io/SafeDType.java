package dev.loraforge.engine.io;

import ai.djl.ndarray.types.DataType;

/** The element types of the safetensors format that the engine reads and writes. */
public enum SafeDType {
    F32(4, DataType.FLOAT32),
    F16(2, DataType.FLOAT16),
    BF16(2, DataType.BFLOAT16),
    F64(8, DataType.FLOAT64),
    I64(8, DataType.INT64),
    I32(4, DataType.INT32),
    I16(2, DataType.INT16),
    I8(1, DataType.INT8),
    U8(1, DataType.UINT8),
    BOOL(1, DataType.BOOLEAN);

    private final int byteSize;
    private final DataType djl;

    SafeDType(int byteSize, DataType djl) {
        this.byteSize = byteSize;
        this.djl = djl;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The tag used in the safetensors header ("F32", "BF16", ...). */
    public String tag() {
        return name();
    }

    /** The matching DJL data type. */
    public DataType djl() {
        return djl;
    }

    /** True for F32, F16, BF16 and F64. */
    public boolean isFloating() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /** Parses a header tag; unknown tags are refused with the list of supported ones. */
    public static SafeDType fromTag(String tag) {
        for (SafeDType t : values()) {
            if (t.name().equals(tag)) {
                return t;
            }
        }
        throw new IllegalArgumentException(
                "unsupported safetensors dtype '" + tag + "'; supported: "
                        + java.util.Arrays.toString(values()));
    }

    /** The safetensors type for a DJL data type. */
    public static SafeDType of(DataType dataType) {
        for (SafeDType t : values()) {
            if (t.djl == dataType) {
                return t;
            }
        }
        throw new IllegalArgumentException("no safetensors dtype for DJL type " + dataType);
    }
}
