package dev.loraforge.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.Ops;
import dev.loraforge.engine.model.VocabWeight;

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
        return sumNllFromHidden(model, hidden, targets, (TokenTally) null);
    }

    /**
     * As {@link #sumNllFromHidden(LlamaModel, NDArray, long[])}, also counting in {@code tally} the counted
     * positions whose most likely token (argmax of the logits) is the target: the mean token accuracy of
     * TRL's SFT trainer and of OpenAI's {@code train_mean_token_accuracy}.
     */
    public static NDArray sumNllFromHidden(LlamaModel model, NDArray hidden, long[] targets, TokenTally tally) {
        int rows = (int) Math.max(1, CHUNK_ELEMENTS / model.config().vocabSize());
        return sumNllFromHidden(model, hidden, targets, rows, tally);
    }

    static NDArray sumNllFromHidden(LlamaModel model, NDArray hidden, long[] targets, int chunkRows) {
        return sumNllFromHidden(model, hidden, targets, chunkRows, null);
    }

    /** Counted target positions and how many of them the model predicted (argmax), summed over calls. */
    public static final class TokenTally {
        private long counted;
        private long correct;

        public void add(long countedPositions, long correctPositions) {
            counted += countedPositions;
            correct += correctPositions;
        }

        public long counted() {
            return counted;
        }

        public long correct() {
            return correct;
        }

        /** correct / counted; NaN when nothing was counted. */
        public double accuracy() {
            return counted == 0 ? Double.NaN : (double) correct / counted;
        }
    }

    /**
     * As {@link #sumNllFromHidden(LlamaModel, NDArray, long[])} with {@code chunkRows} positions per chunk.
     * The frozen LM head needs no gradient of its own, so while autograd records, each chunk computes its
     * gradient at once, by hand: {@code dz = softmax(z) - onehot(target)} (times the soft-cap's slope), then its
     * rows of hidden states' {@code dz W}, and frees its logits (one (rows, vocab) buffer, the softmax taken in
     * place, where autograd through log-softmax and gather would hold four); a 16-bit LM head is widened a block of vocabulary rows at a time for
     * both products ({@link VocabWeight#block}), so its float32 copy never exists whole. G, the gradient of the
     * loss with respect to the hidden states, is assembled chunk by chunk. The returned scalar is {@code sum(h * G) - c + nll} with c the value of {@code sum(h * G)}: its value is the
     * loss and its backward gives the hidden states exactly G, as one backward through the whole logits would
     * (up to float summation order).
     */
    static NDArray sumNllFromHidden(LlamaModel model, NDArray hidden, long[] targets, int chunkRows, TokenTally tally) {
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
        VocabWeight head = model.lmHeadWeight();                                      // (V, H), float32 or 16-bit
        long vocab = head.vocab();
        int blockRows = head.blockRows();
        Double cap = model.config().finalLogitSoftcap();
        double nll = 0;
        NDList grads = new NDList();
        for (int start = 0; start < n; start += chunkRows) {
            int end = Math.min(n, start + chunkRows);
            try (NDManager cm = m.newSubManager()) {
                NDArray x = Ops.into(frozen.get(start + ":" + end), cm);                 // (n, H), no graph
                NDArray z = head.linear(x);                                                  // (n, V), blocks widened one at a time
                NDArray capped = cap == null ? z : Ops.softcap(z, cap.floatValue());
                if (cap != null) {
                    z.close();
                }
                NDArray tgt = cm.create(java.util.Arrays.copyOfRange(picked, start, end)).expandDims(1); // (n, 1)
                NDArray target = capped.gather(tgt, 1);                                       // (n, 1) logit of the target
                if (tally != null) {                                                          // argmax before the in-place shift
                    long hits = capped.argMax(1).eq(tgt.squeeze(1)).toType(DataType.INT64, false).sum().getLong();
                    tally.add(end - start, hits);
                }
                NDArray max = capped.max(new int[] {1}, true);                                // (n, 1)
                NDArray e;                                                                    // exp(logit - max), (n, V)
                if (cap == null) {
                    capped.subi(max);
                    e = capped.exp();
                    capped.close();
                } else {
                    try (NDArray shifted = capped.sub(max)) {
                        e = shifted.exp();
                    }
                }
                NDArray sum = e.sum(new int[] {1}, true);                                     // (n, 1)
                // nll = logsumexp - target logit = max + log(sum) - target, per row
                nll += max.add(sum.log()).sub(target).sum().getFloat();
                if (graph) {
                    // d nll / d logits = softmax - onehot(target); with soft-capping times 1 - (capped / cap)^2
                    NDArray p = e.divi(sum);                                                  // (n, V), softmax
                    NDArray targetSlope = null;                                               // (n, 1)
                    if (cap != null) {
                        NDArray slope = capped.divi(cap.floatValue());
                        slope.muli(slope).negi().addi(1f);                                    // 1 - tanh^2
                        p.muli(slope);
                        slope.close();
                        NDArray t = target.div(cap.floatValue());
                        targetSlope = t.mul(t).neg().add(1f);
                    }
                    // dx = dz W = p W - slope_target * W[target]: the one-hot part is a row lookup, never a (n, V) array
                    NDArray dx = null;
                    for (long from = 0; from < vocab; from += blockRows) {
                        long to = Math.min(vocab, from + blockRows);
                        try (NDArray w = head.block(from, to, cm)) {
                            NDArray part = (from == 0 && to == vocab ? p : p.get(":, " + from + ":" + to)).matMul(w); // (n, H)
                            dx = dx == null ? part : dx.addi(part);
                        }
                    }
                    NDArray targetRows = head.rows(tgt.squeeze(1));                           // (n, H)
                    dx.subi(targetSlope == null ? targetRows : targetRows.muli(targetSlope));
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
