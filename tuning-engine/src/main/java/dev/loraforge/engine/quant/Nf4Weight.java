package dev.loraforge.engine.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.loraforge.engine.model.Ops;
import dev.loraforge.engine.model.QuantizedWeight;
import java.nio.ByteBuffer;

/**
 * An NF4 weight held on the engine in its packed form: uint8 codes (two per byte) and the absmax
 * state (float32 per block, or uint8 codes + float32 per 256 blocks + offset when double-quantized).
 * {@link #dequantize} rebuilds {@code code[nibble] * absmax[block]} with a handful of tensor ops
 * (one embedding lookup decodes both nibbles of each byte), exactly as {@link Nf4Quantizer#dequantize}.
 */
final class Nf4Weight implements QuantizedWeight {

    private final long[] shape;
    private final long size;
    private final int blocksize;
    private final int blocks;
    private final boolean nested;
    private final NDArray packed;          // (ceil(n/2),) uint8
    private final NDArray bytePairs;       // (256, 2) float32, shared
    private final NDArray absmax;          // (blocks, 1) float32, or null when nested
    private final NDArray absmaxCodes;     // (blocks,) uint8 when nested
    private final NDArray nestedCode;      // (256, 1) float32 when nested, shared
    private final NDArray nestedAbsmax;    // (ceil(blocks/nestedBlocksize),) float32 when nested
    private final int nestedBlocksize;
    private final float offset;
    private final float[] quantMap;        // the 16 code values (Java copy, for the CPU decoder)
    private final float[] nestedCodeValues; // the 256-value nested code when nested (Java copy)
    private final float[] nestedAbsmaxValues; // when nested (Java copy, one value per 256 blocks)

    private Nf4Weight(Nf4Tensor t, float[] quantMap, NDManager manager, CodeTables tables) {
        this.shape = t.shape();
        this.size = t.size();
        this.blocksize = t.blocksize();
        this.blocks = t.blocks();
        this.nested = t.doubleQuantized();
        this.packed = bytes(manager, t.packed());
        this.bytePairs = tables.bytePairs(quantMap);
        this.quantMap = quantMap.clone();
        if (nested) {
            Nf4Tensor.NestedAbsmax n = t.nested();
            this.absmax = null;
            this.absmaxCodes = bytes(manager, n.codes());
            this.nestedCode = tables.column(n.code());
            this.nestedAbsmax = manager.create(n.nestedAbsmax());
            this.nestedBlocksize = n.nestedBlocksize();
            this.offset = n.offset();
            this.nestedCodeValues = n.code().clone();
            this.nestedAbsmaxValues = n.nestedAbsmax().clone();
        } else {
            this.nestedCodeValues = null;
            this.nestedAbsmaxValues = null;
            this.absmax = manager.create(t.absmax(), new Shape(blocks, 1));
            this.absmaxCodes = null;
            this.nestedCode = null;
            this.nestedAbsmax = null;
            this.nestedBlocksize = 0;
            this.offset = 0f;
        }
    }

    /** Moves {@code t} onto the engine in {@code manager}; {@code quantMap} is its 16-value code. */
    static Nf4Weight create(Nf4Tensor t, float[] quantMap, NDManager manager, CodeTables tables) {
        if (t.size() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(t + " has more than 2^31 values; not supported");
        }
        return new Nf4Weight(t, quantMap, manager, tables);
    }

    private static NDArray bytes(NDManager m, byte[] b) {
        return m.create(ByteBuffer.wrap(b), new Shape(b.length), DataType.UINT8);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String scheme() {
        return nested ? QuantScheme.NF4_DQ.id() : QuantScheme.NF4.id();
    }

    @Override
    public NDArray dequantize(NDManager target) {
        if (!packed.getDevice().isGpu() && !target.getDevice().isGpu()) {
            return dequantizeOnCpu(target);
        }
        try (NDManager tmp = target.newSubManager()) {
            NDArray scales = blockAbsmax(tmp);                                           // (blocks, 1)
            NDArray idx = Ops.into(packed.toType(DataType.INT32, false), tmp);           // (ceil(n/2),)
            NDArray values = lookup(idx, bytePairs, tmp).reshape(-1);                    // (2 ceil(n/2),)
            long padded = (long) blocks * blocksize;
            if (values.size() < padded) {                                                // short last block
                values = NDArrays.concat(new NDList(values, tmp.zeros(new Shape(padded - values.size()))));
            }
            NDArray w = values.reshape(blocks, blocksize).muli(scales).reshape(-1);     // (blocks * blocksize,)
            if (padded != size) {
                w = w.get("0:" + size);
            }
            NDArray out = w.reshape(new Shape(shape));                                   // (out, in)
            out.attach(target);
            return out;
        }
    }

    /** Values decoded per task: a whole number of blocks, about a million. */
    private int chunkValues() {
        return Math.max(1, (1 << 20) / blocksize) * blocksize;
    }

    private static final ThreadLocal<byte[]> CODES = ThreadLocal.withInitial(() -> new byte[0]);
    private static final ThreadLocal<float[]> VALUES = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * The same float32 values as the tensor-op path ({@code code[nibble] * absmax[block]}, each a single float32
     * product), decoded by Java on all cores straight into the new array's native memory: one pass over the packed
     * bytes instead of several (rows, 2) and (n,) intermediates.
     */
    private NDArray dequantizeOnCpu(NDManager target) {
        float[] scales = blockScalesOnCpu();
        NDArray out = target.create(new Shape(shape), DataType.FLOAT32);
        ByteBuffer in = packed.toByteBuffer(true);                                  // the native memory, not a copy
        java.nio.FloatBuffer dst = out.toByteBuffer(true).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        int chunk = chunkValues();
        int chunks = (int) ((size + chunk - 1) / chunk);
        java.util.stream.IntStream range = java.util.stream.IntStream.range(0, chunks);
        (chunks > 1 ? range.parallel() : range).forEach(c -> {
            int from = c * chunk;                                                    // a value index, block-aligned, even
            int count = (int) Math.min(size - from, chunk);
            int pairs = (count + 1) / 2;
            byte[] codes = CODES.get();
            float[] values = VALUES.get();
            if (codes.length < pairs) {
                codes = new byte[pairs];
                CODES.set(codes);
            }
            if (values.length < 2 * pairs) {
                values = new float[2 * pairs];
                VALUES.set(values);
            }
            in.get(from / 2, codes, 0, pairs);
            for (int v = 0; v < count; v += blocksize) {
                float scale = scales[(from + v) / blocksize];
                int end = Math.min(count, v + blocksize);
                for (int i = v; i < end; i += 2) {
                    int b = codes[i >>> 1] & 0xFF;
                    values[i] = quantMap[b >>> 4] * scale;
                    values[i + 1] = quantMap[b & 0x0F] * scale;
                }
            }
            dst.put(from, values, 0, count);
        });
        return out;
    }

    /** Per-block absmax as Java floats, exactly as {@link #blockAbsmax}: resident, or code[q] * nested_absmax + offset. */
    private float[] blockScalesOnCpu() {
        float[] out = new float[blocks];
        if (!nested) {
            absmax.toByteBuffer(true).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer().get(0, out, 0, blocks);
            return out;
        }
        ByteBuffer codes = absmaxCodes.toByteBuffer(true);
        for (int b = 0; b < blocks; b++) {
            out[b] = nestedCodeValues[codes.get(b) & 0xFF] * nestedAbsmaxValues[b / nestedBlocksize] + offset;
        }
        return out;
    }

    /** Per-block absmax (blocks, 1): resident, or code[q] * nested_absmax[block / 256] + offset. */
    private NDArray blockAbsmax(NDManager tmp) {
        if (!nested) {
            return absmax;
        }
        NDArray codes = Ops.into(absmaxCodes.toType(DataType.INT32, false), tmp);       // (blocks,)
        NDArray values = lookup(codes, nestedCode, tmp);                                  // (blocks, 1)
        NDArray group = Ops.into(nestedAbsmax.repeat(0, nestedBlocksize), tmp);           // (groups * 256,)
        if (group.size() != blocks) {
            group = group.get("0:" + blocks);
        }
        return values.muli(group.reshape(blocks, 1)).addi(offset);
    }

    private static NDArray lookup(NDArray indices, NDArray table, NDManager tmp) {
        return Ops.into(Embedding.embedding(indices, table, SparseFormat.DENSE).singletonOrThrow(), tmp);
    }

    @Override
    public long residentBytes() {
        return packed.size() + (nested ? absmaxCodes.size() + 4 * nestedAbsmax.size() + 4 : 4 * absmax.size());
    }
}
