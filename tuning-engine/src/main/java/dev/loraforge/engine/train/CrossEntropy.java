package dev.loraforge.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.Ops;

/**
 * Token cross-entropy composed from logSoftmax + gather + mask (DJL has no cross-entropy with an
 * ignore index). Targets are already shifted (see {@code data.Batch}): position t holds the token
 * position t must predict, or -100 to ignore it, as PyTorch's {@code ignore_index=-100}.
 */
public final class CrossEntropy {

    private CrossEntropy() {
    }

    /**
     * Sum of the negative log-likelihoods over counted positions.
     *
     * @param logits  (B, T, V) float32
     * @param targets (B, T) int64, -100 = ignored
     * @return a scalar; all temporaries land in the logits' manager
     */
    public static NDArray sumNll(NDArray logits, NDArray targets) {
        NDArray logp = logits.logSoftmax(-1);                               // (B, T, V)
        NDArray mask = targets.gte(0);                                      // (B, T) bool
        NDArray safe = targets.maximum(0L).expandDims(-1);                  // (B, T, 1); -100 -> 0
        NDArray picked = logp.gather(safe, 2).squeeze(-1);                  // (B, T)
        return picked.mul(mask.toType(DataType.FLOAT32, false)).sum().neg();
    }

    /**
     * Elements of one chunk's (rows, vocab) logits: 16M floats (64 MiB), so a 152k vocabulary takes about
     * 110 rows at a time and the full (tokens, vocab) logits never exist.
     */
    static final long CHUNK_ELEMENTS = 1L << 24;

    /**
     * The same sum from the final hidden states, running the LM head only on the positions that count
     * (for chat data most positions are prompt tokens, and the LM head is the biggest matmul), a chunk of
     * rows at a time ({@link #CHUNK_ELEMENTS} logits per chunk).
     *
     * @param hidden  (B, T, H) final-norm hidden states ({@link LlamaModel#hiddenStates})
     * @param targets (B * T) shifted labels, row-major, -100 = ignored
     * @return a scalar in the hidden states' manager; while autograd records (training), its
     *         gradient is the one of the loss (see {@link #sumNllFromHidden(LlamaModel, NDArray, long[], int)})
     */
    public static NDArray sumNllFromHidden(LlamaModel model, NDArray hidden, long[] targets) {
        int rows = (int) Math.max(1, CHUNK_ELEMENTS / model.config().vocabSize());
        return sumNllFromHidden(model, hidden, targets, rows);
    }

    /**
     * As {@link #sumNllFromHidden(LlamaModel, NDArray, long[])} with {@code chunkRows} positions per chunk.
     * The frozen LM head needs no gradient of its own, so while autograd records, each chunk runs its own
     * backward at once, from its loss down to its rows of hidden states (a detached leaf), and frees its
     * logits: G, the gradient of the loss with respect to the hidden states, is assembled chunk by chunk. The
     * returned scalar is {@code sum(h * G) - c + nll} with c the value of {@code sum(h * G)}: its value is the
     * loss and its backward gives the hidden states exactly G, as one backward through the whole logits would
     * (up to float summation order).
     */
    static NDArray sumNllFromHidden(LlamaModel model, NDArray hidden, long[] targets, int chunkRows) {
        NDManager m = hidden.getManager();
        int n = 0;
        for (long t : targets) {
            n += t >= 0 ? 1 : 0;
        }
        if (n == 0) {
            return Ops.mul(hidden.sum(), 0f); // nothing counts: a zero that still belongs to the graph
        }
        long[] rows = new long[n];
        long[] picked = new long[n];
        for (int i = 0, j = 0; i < targets.length; i++) {
            if (targets[i] >= 0) {
                rows[j] = i;
                picked[j++] = targets[i];
            }
        }
        long h = hidden.getShape().get(2);
        NDArray counted = hidden.reshape(-1, h).get(Ops.owned(m.create(rows)));                 // (N, H), in the graph
        boolean graph = JniUtils.isGradMode(); // recording a graph (training): the gradient is needed
        NDArray frozen = counted.stopGradient();                                     // the same values, no graph
        NDArray weight = model.lmHeadWeight();                                        // (V, H)
        Double cap = model.config().finalLogitSoftcap();
        double nll = 0;
        NDList grads = new NDList();
        for (int start = 0; start < n; start += chunkRows) {
            int end = Math.min(n, start + chunkRows);
            try (NDManager cm = m.newSubManager()) {
                NDArray x = Ops.into(frozen.get(start + ":" + end), cm).duplicate();       // (n, H), a leaf
                if (graph) {
                    x.setRequiresGradient(true);
                }
                NDArray z = Ops.linear(x, weight, null);                              // (n, V)
                if (cap != null) {
                    z = Ops.softcap(z, cap.floatValue());
                }
                NDArray tgt = cm.create(java.util.Arrays.copyOfRange(picked, start, end)).expandDims(1); // (n, 1)
                NDArray chunkNll = z.logSoftmax(-1).gather(tgt, 1).sum().neg();       // ()
                nll += chunkNll.getFloat();
                if (graph) {
                    // this chunk's own backward, down to its leaf x only: d nll / d x, then the chunk's graph goes
                    try (NDArray one = cm.ones(new Shape())) {
                        JniUtils.backward((PtNDArray) chunkNll, (PtNDArray) one, false, false);
                    }
                    NDArray dx = x.getGradient();                                     // (n, H)
                    dx.attach(m);
                    grads.add(dx);
                }
            }
        }
        NDArray value = m.create((float) nll);
        if (!graph) {
            return value;
        }
        NDArray g = grads.size() == 1 ? grads.get(0) : NDArrays.concat(grads, 0);    // (N, H), no graph
        NDArray surrogate = counted.mul(g).sum();
        float constant = surrogate.getFloat();
        return surrogate.sub(constant).add(value);                                    // value nll, gradient g
    }

    /** Mean NLL over counted positions (0 counted positions gives 0). */
    public static NDArray mean(NDArray logits, NDArray targets, long count) {
        return Ops.div(sumNll(logits, targets), (float) Math.max(1, count));
    }
}
