package dev.loraforge.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.loraforge.engine.model.Ops;

/**
 * The pieces of the DPO objective (Rafailov et al. 2023, eq. 7) as TRL's {@code DPOTrainer} computes them with
 * {@code loss_type="sigmoid"}: a sequence's log-probability is the sum of its response tokens' log-probabilities
 * (TRL's {@code (per_token_logps * completion_mask).sum(-1)}, no length averaging), and a pair's loss is
 * {@code -log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r)))}.
 */
public final class DpoLoss {

    private DpoLoss() {
    }

    /**
     * @param logits  (N, T, V) float32
     * @param targets (N, T) int64 shifted labels, -100 = not part of the response
     * @return (N,) the summed log-probability of each row's counted targets, in the logits' manager
     */
    public static NDArray sequenceLogps(NDArray logits, NDArray targets) {
        NDArray logp = logits.logSoftmax(-1);                               // (N, T, V)
        NDArray mask = targets.gte(0).toType(DataType.FLOAT32, false);     // (N, T)
        NDArray safe = targets.maximum(0L).expandDims(-1);                  // (N, T, 1); -100 -> 0
        NDArray picked = logp.gather(safe, 2).squeeze(-1);                  // (N, T)
        return picked.mul(mask).sum(new int[] {1});                         // (N,)
    }

    /**
     * Per-pair sigmoid DPO losses.
     *
     * @param policyChosen   (B,) policy log-probabilities of the chosen responses (with gradient)
     * @param policyRejected (B,)
     * @param refChosen      (B,) reference log-probabilities (constants)
     * @param refRejected    (B,)
     * @return (B,) {@code softplus(-beta * ((pi_c - ref_c) - (pi_r - ref_r)))} = {@code -log sigmoid(...)}
     */
    public static NDArray losses(NDArray policyChosen, NDArray policyRejected, NDArray refChosen, NDArray refRejected,
            double beta) {
        NDArray logits = policyChosen.sub(refChosen).sub(policyRejected.sub(refRejected)); // (B,) TRL's "logits"
        return softplus(Ops.mul(logits, (float) -beta));
    }

    /** {@code log(1 + e^x)} computed as {@code max(x, 0) + log(1 + e^-|x|)}, finite for any x. */
    static NDArray softplus(NDArray x) {
        NDArray abs = x.abs();
        NDArray relu = Ops.mul(x.add(abs), 0.5f);
        return relu.add(Ops.add(abs.neg().exp(), 1f).log());
    }

    /** {@code -log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r)))} in double precision, for metrics. */
    public static double loss(double policyChosen, double policyRejected, double refChosen, double refRejected, double beta) {
        double z = beta * ((policyChosen - refChosen) - (policyRejected - refRejected));
        return Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }
}
