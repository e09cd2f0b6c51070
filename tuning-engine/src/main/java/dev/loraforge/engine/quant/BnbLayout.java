package dev.loraforge.engine.quant;

import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.SafeTensorsStreamFile;
import dev.loraforge.engine.io.TensorSink;
import dev.loraforge.engine.io.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * Tensor names, types and shapes of quantized weights in safetensors, as bitsandbytes' state dicts
 * (and so transformers' save_pretrained) have them. For a 4-bit weight {@code W = <module>.weight}:
 * <pre>
 * W                                  U8  [ceil(n/2), 1]   packed codes (quant_storage uint8)
 * W.absmax                           F32 [blocks]         or U8 [blocks] when double-quantized
 * W.quant_map                        F32 [16]             the NF4 code
 * W.nested_absmax                    F32 [ceil(blocks/256)]  (double quantization only)
 * W.nested_quant_map                 F32 [256]               (double quantization only)
 * W.quant_state.bitsandbytes__nf4    U8  [json bytes]     {@link QuantStateJson}
 * </pre>
 * For an 8-bit weight (Linear8bitLt): {@code W} I8 [out, in], {@code <module>.SCB} F32 [out] and
 * {@code <module>.weight_format} U8 [] = 0 (row-major).
 */
public final class BnbLayout {

    public static final String ABSMAX = ".absmax";
    public static final String QUANT_MAP = ".quant_map";
    public static final String NESTED_ABSMAX = ".nested_absmax";
    public static final String NESTED_QUANT_MAP = ".nested_quant_map";
    public static final String QUANT_STATE = ".quant_state.bitsandbytes__nf4";
    /** The quant-state suffix of the 4-bit type this engine does not support. */
    static final String FP4_STATE = ".quant_state.bitsandbytes__fp4";
    static final List<String> NF4_SUFFIXES = List.of(ABSMAX, QUANT_MAP, NESTED_ABSMAX, NESTED_QUANT_MAP, QUANT_STATE);

    private BnbLayout() {
    }

    /** {@code model.layers.0.self_attn.q_proj.weight} -> {@code model.layers.0.self_attn.q_proj.SCB}. */
    public static String scbName(String weightName) {
        return module(weightName) + ".SCB";
    }

    public static String weightFormatName(String weightName) {
        return module(weightName) + ".weight_format";
    }

    private static String module(String weightName) {
        if (!weightName.endsWith(".weight")) {
            throw new IllegalArgumentException("'" + weightName + "' is not a .weight tensor");
        }
        return weightName.substring(0, weightName.length() - ".weight".length());
    }

    /** True when {@code name} is one of the quant-state tensors beside a quantized weight (not the weight itself). */
    public static boolean isStateTensor(String name) {
        return NF4_SUFFIXES.stream().anyMatch(s -> name.endsWith(".weight" + s)) || name.endsWith(".weight" + FP4_STATE)
                || name.endsWith(".SCB") || name.endsWith(".weight_format");
    }

    /** Adds the tensors of a 4-bit weight (six when double-quantized, four otherwise); returns the bytes they take. */
    public static long addNf4(TensorSink w, String weightName, Nf4Tensor t) {
        long bytes = 0;
        bytes += raw(w, weightName, SafeDType.U8, new long[] {t.packed().length, 1}, ByteBuffer.wrap(t.packed()));
        if (t.doubleQuantized()) {
            Nf4Tensor.NestedAbsmax n = t.nested();
            bytes += raw(w, weightName + ABSMAX, SafeDType.U8, new long[] {n.codes().length}, ByteBuffer.wrap(n.codes()));
            bytes += floats(w, weightName + NESTED_ABSMAX, n.nestedAbsmax());
            bytes += floats(w, weightName + NESTED_QUANT_MAP, n.code());
        } else {
            bytes += floats(w, weightName + ABSMAX, t.absmax());
        }
        bytes += floats(w, weightName + QUANT_MAP, Nf4Code.values());
        byte[] json = QuantStateJson.encode(t);
        bytes += raw(w, weightName + QUANT_STATE, SafeDType.U8, new long[] {json.length}, ByteBuffer.wrap(json));
        return bytes;
    }

    /** Adds the three tensors of an 8-bit weight; returns the bytes they take. */
    public static long addInt8(TensorSink w, String weightName, Int8Tensor t) {
        long bytes = raw(w, weightName, SafeDType.I8, t.shape(), ByteBuffer.wrap(t.data()));
        bytes += floats(w, scbName(weightName), t.scb());
        bytes += raw(w, weightFormatName(weightName), SafeDType.U8, new long[0], ByteBuffer.wrap(new byte[] {0}));
        return bytes;
    }

    /** Longest quant-state JSON a slot is planned for (the real one is about 200 bytes). */
    static final int QUANT_STATE_BOUND = 1024;

    /**
     * The tensors {@link #addNf4} / {@link #addInt8} will write for a weight of {@code shape} quantized with
     * {@code scheme}, in the same order, before it is quantized: exact but for the quant-state JSON, planned at
     * {@link #QUANT_STATE_BOUND} bytes.
     */
    public static List<SafeTensorsStreamFile.Slot> slots(String weightName, long[] shape, QuantScheme scheme) {
        List<SafeTensorsStreamFile.Slot> out = new java.util.ArrayList<>();
        if (scheme == QuantScheme.INT8) {
            out.add(new SafeTensorsStreamFile.Slot(weightName, SafeDType.I8, shape));
            out.add(new SafeTensorsStreamFile.Slot(scbName(weightName), SafeDType.F32, new long[] {shape[0]}));
            out.add(new SafeTensorsStreamFile.Slot(weightFormatName(weightName), SafeDType.U8, new long[0]));
            return out;
        }
        long n = Nf4Tensor.elementCount(shape);
        long blocks = (n + Nf4Quantizer.BLOCKSIZE - 1) / Nf4Quantizer.BLOCKSIZE;
        out.add(new SafeTensorsStreamFile.Slot(weightName, SafeDType.U8, new long[] {(n + 1) / 2, 1}));
        if (scheme == QuantScheme.NF4_DQ) {
            out.add(new SafeTensorsStreamFile.Slot(weightName + ABSMAX, SafeDType.U8, new long[] {blocks}));
            long nested = (blocks + Nf4Quantizer.NESTED_BLOCKSIZE - 1) / Nf4Quantizer.NESTED_BLOCKSIZE;
            out.add(new SafeTensorsStreamFile.Slot(weightName + NESTED_ABSMAX, SafeDType.F32, new long[] {nested}));
            out.add(new SafeTensorsStreamFile.Slot(weightName + NESTED_QUANT_MAP, SafeDType.F32, new long[] {256}));
        } else {
            out.add(new SafeTensorsStreamFile.Slot(weightName + ABSMAX, SafeDType.F32, new long[] {blocks}));
        }
        out.add(new SafeTensorsStreamFile.Slot(weightName + QUANT_MAP, SafeDType.F32, new long[] {16}));
        out.add(new SafeTensorsStreamFile.Slot(weightName + QUANT_STATE, SafeDType.U8, new long[] {QUANT_STATE_BOUND}));
        return out;
    }

    private static long raw(TensorSink w, String name, SafeDType type, long[] shape, ByteBuffer bytes) {
        w.putBytes(name, type, shape, bytes);
        return bytes.remaining();
    }

    private static long floats(TensorSink w, String name, float[] values) {
        w.putFloats(name, values);
        return 4L * values.length;
    }

    /** True when the file holds {@code weightName} as a bitsandbytes 4-bit weight. */
    public static boolean isFourBit(SafeTensorsReader r, String weightName) {
        if (r.contains(weightName + FP4_STATE)) {
            throw new IllegalArgumentException("'" + weightName + "' is quantized as fp4; only nf4 4-bit weights are supported");
        }
        return r.contains(weightName + QUANT_STATE);
    }

    /** True when the file holds {@code weightName} as a bitsandbytes 8-bit weight. */
    public static boolean isEightBit(SafeTensorsReader r, String weightName) {
        return r.contains(scbName(weightName));
    }

    /** Reads a 4-bit weight and checks it against {@code expectedShape}; its quant_map is returned in {@code mapOut[0]}. */
    public static Nf4Tensor readNf4(SafeTensorsReader r, String weightName, long[] expectedShape, float[][] mapOut) {
        QuantStateJson.State s = QuantStateJson.decode(bytes(r, weightName + QUANT_STATE, SafeDType.U8), weightName + QUANT_STATE);
        if (!s.quantType().equals("nf4")) {
            throw new IllegalArgumentException(weightName + ": quant_type '" + s.quantType() + "' is not supported; only nf4");
        }
        if (!Arrays.equals(s.shape(), expectedShape)) {
            throw new IllegalArgumentException(weightName + ": the quant state's shape " + Arrays.toString(s.shape())
                    + " differs from the shape config.json implies, " + Arrays.toString(expectedShape));
        }
        TensorInfo packedInfo = r.info(weightName);
        long n = Nf4Tensor.elementCount(s.shape());
        if (packedInfo.dtype() != SafeDType.U8 || packedInfo.elementCount() != (n + 1) / 2) {
            throw new IllegalArgumentException(weightName + ": expected " + (n + 1) / 2 + " packed uint8 codes (quant_storage"
                    + " uint8), got " + packedInfo.dtype() + Arrays.toString(packedInfo.shape()));
        }
        byte[] packed = bytes(r, weightName, SafeDType.U8);
        float[] quantMap = floats(r, weightName + QUANT_MAP, 16);
        mapOut[0] = quantMap;
        if (s.nestedOffset() == null) {
            float[] absmax = floats(r, weightName + ABSMAX, -1);
            return new Nf4Tensor(s.shape(), s.dtype(), s.blocksize(), packed, absmax, null);
        }
        byte[] codes = bytes(r, weightName + ABSMAX, SafeDType.U8);
        float[] nestedAbsmax = floats(r, weightName + NESTED_ABSMAX, -1);
        float[] nestedMap = floats(r, weightName + NESTED_QUANT_MAP, 256);
        int expectedNested = (codes.length + s.nestedBlocksize() - 1) / s.nestedBlocksize();
        if (nestedAbsmax.length != expectedNested) {
            throw new IllegalArgumentException(weightName + NESTED_ABSMAX + ": expected " + expectedNested + " values for "
                    + codes.length + " absmax codes in blocks of " + s.nestedBlocksize() + ", got " + nestedAbsmax.length);
        }
        return new Nf4Tensor(s.shape(), s.dtype(), s.blocksize(), packed, null, new Nf4Tensor.NestedAbsmax(codes, nestedAbsmax,
                nestedMap, s.nestedBlocksize(), (float) (double) s.nestedOffset()));
    }

    /** Reads an 8-bit weight of {@code expectedShape} (row-major weight_format only). */
    public static Int8Tensor readInt8(SafeTensorsReader r, String weightName, long[] expectedShape) {
        TensorInfo info = r.info(weightName);
        if (info.dtype() != SafeDType.I8 || !Arrays.equals(info.shape(), expectedShape)) {
            throw new IllegalArgumentException(weightName + ": expected I8" + Arrays.toString(expectedShape) + ", got "
                    + info.dtype() + Arrays.toString(info.shape()));
        }
        String format = weightFormatName(weightName);
        if (r.contains(format) && bytes(r, format, SafeDType.U8)[0] != 0) {
            throw new IllegalArgumentException(format + ": only weight_format 0 (row-major) is supported");
        }
        return new Int8Tensor(expectedShape, bytes(r, weightName, SafeDType.I8), floats(r, scbName(weightName), (int) expectedShape[0]));
    }

    private static byte[] bytes(SafeTensorsReader r, String name, SafeDType type) {
        TensorInfo info = r.info(name);
        if (info.dtype() != type) {
            throw new IllegalArgumentException("'" + name + "' is " + info.dtype() + ", expected " + type);
        }
        ByteBuffer b = r.bytes(name);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static float[] floats(SafeTensorsReader r, String name, int expectedCount) {
        TensorInfo info = r.info(name);
        if (info.dtype() != SafeDType.F32 || (expectedCount >= 0 && info.elementCount() != expectedCount)) {
            throw new IllegalArgumentException("'" + name + "' should be F32" + (expectedCount >= 0 ? "[" + expectedCount + "]" : "")
                    + ", got " + info.dtype() + Arrays.toString(info.shape()));
        }
        float[] out = new float[(int) info.elementCount()];
        r.bytes(name).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
