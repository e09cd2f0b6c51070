package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

/**
 * A frozen (vocab, hidden) matrix: the token embedding and the LM head (one object when they are tied).
 * Held either as float32 or as its checkpoint stores it, bf16 / fp16 ({@link HalfPrecisionWeight}), in which
 * case no float32 copy of the whole matrix ever exists: a lookup widens the rows it reads, and the LM head
 * runs a block of vocabulary rows at a time ({@link #block}), each block widened for its matmul and dropped.
 * For a 152k x 896 table that is 272 MB instead of 544 MB; for Llama-3.1-8B's two 128k x 4096 tables, 2.1 GB
 * instead of 4.2 GB.
 */
public final class VocabWeight {

    /** Elements of one widened block of rows: 8M floats (32 MiB). */
    static final long BLOCK_ELEMENTS = 1L << 23;

    private final NDArray dense;                 // float32 (V, H), or null
    private final HalfPrecisionWeight half;      // 16-bit (V, H), or null
    private final long rows;
    private final long cols;

    private VocabWeight(NDArray dense, HalfPrecisionWeight half) {
        this.dense = dense;
        this.half = half;
        long[] shape = dense != null ? dense.getShape().getShape() : half.shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException("a vocabulary matrix is (vocab, hidden), got " + java.util.Arrays.toString(shape));
        }
        this.rows = shape[0];
        this.cols = shape[1];
    }

    /** The float32 or 16-bit weight {@code name} of a weight set (exactly one of the two holds it). */
    static VocabWeight of(WeightSet weights, String name) {
        NDArray d = weights.dense().get(name);
        if (d != null) {
            return new VocabWeight(d, null);
        }
        QuantizedWeight q = weights.quantized().get(name);
        if (q instanceof HalfPrecisionWeight h) {
            return new VocabWeight(null, h);
        }
        throw new IllegalArgumentException(q == null ? "weight '" + name + "' is missing"
                : "'" + name + "' can only be held float32 or 16-bit, not " + q.scheme());
    }

    /** Vocabulary size (rows). */
    public long vocab() {
        return rows;
    }

    /** Whether the matrix is held 16-bit (widened block by block). */
    public boolean isHalfPrecision() {
        return half != null;
    }

    /** Bytes held in memory. */
    public long residentBytes() {
        return dense != null ? 4 * dense.size() : half.residentBytes();
    }

    /** Rows per block of {@link #block}: the whole matrix when it is float32 (nothing to widen). */
    public int blockRows() {
        return dense != null ? Math.toIntExact(rows) : (int) Math.max(1, Math.min(rows, BLOCK_ELEMENTS / cols));
    }

    /**
     * Rows {@code [from, to)} as float32 (to - from, H), a new handle in {@code target} that the caller may close
     * (a view of the float32 matrix, or a widened copy of the 16-bit one).
     */
    public NDArray block(long from, long to, NDManager target) {
        if (dense != null) {
            return Ops.into(dense.get(from + ":" + to), target);
        }
        return half.rowBlock(from, to, target);
    }

    /** Rows {@code ids} (int64, any shape) as float32 (ids..., H) in the ids' manager: the embedding lookup. */
    public NDArray rows(NDArray ids) {
        if (dense != null) {
            return Embedding.embedding(ids, dense, SparseFormat.DENSE).singletonOrThrow();
        }
        return half.rows(ids, ids.getManager());
    }

    /**
     * {@code x W^T}: (..., H) -> (..., V) in x's manager. For a 16-bit matrix the product is taken a block of
     * rows at a time and concatenated; under autograd each block's widened weight lives until the backward
     * pass ({@code train.CrossEntropy} calls it on rows without a graph, so it never keeps them).
     */
    public NDArray linear(NDArray x) {
        if (dense != null) {
            return Ops.linear(x, dense, null);
        }
        NDManager m = x.getManager();
        int step = blockRows();
        NDList parts = new NDList();
        for (long from = 0; from < rows; from += step) {
            long to = Math.min(rows, from + step);
            try (NDArray w = block(from, to, m)) { // PyTorch memory: a graph that saved it keeps its own reference
                parts.add(Ops.linear(x, w, null));
            }
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, -1);
    }
}
