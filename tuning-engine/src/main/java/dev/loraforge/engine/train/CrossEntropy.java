package dev.loraforge.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.loraforge.engine.model.LlamaModel;

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
     * The same sum from the final hidden states, running the LM head only on the positions that count
     * (for chat data most positions are prompt tokens, and the LM head is the biggest matmul).
     *
     * @param hidden  (B, T, H) final-norm hidden states ({@link LlamaModel#hiddenStates})
     * @param targets (B * T) shifted labels, row-major, -100 = ignored
     * @return a scalar in the hidden states' manager
     */
    public static NDArray sumNllFromHidden(LlamaModel model, NDArray hidden, long[] targets) {
        NDManager m = hidden.getManager();
        int n = 0;
        for (long t : targets) {
            n += t >= 0 ? 1 : 0;
        }
        if (n == 0) {
            return hidden.sum().mul(0f); // nothing counts: a zero that still belongs to the graph
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
        NDArray counted = hidden.reshape(-1, h).get(m.create(rows));                 // (N, H)
        NDArray logp = model.lmHead(counted).logSoftmax(-1);                          // (N, V)
        return logp.gather(m.create(picked).expandDims(1), 1).sum().neg();            // ()
    }

    /** Mean NLL over counted positions (0 counted positions gives 0). */
    public static NDArray mean(NDArray logits, NDArray targets, long count) {
        return sumNll(logits, targets).div((float) Math.max(1, count));
    }
}
