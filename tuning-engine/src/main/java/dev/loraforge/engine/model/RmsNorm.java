package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * RMSNorm as transformers computes it in float32: {@code weight * x / sqrt(mean(x^2, last axis) + eps)}
 * (LlamaRMSNorm). Gemma's variant multiplies by {@code (1 + w)} instead (Gemma2RMSNorm); its callers
 * pass that sum, computed once ({@link #gemmaWeight}).
 */
public final class RmsNorm {

    private RmsNorm() {
    }

    /** x (..., H), weight (H) -> (..., H). */
    public static NDArray apply(NDArray x, NDArray weight, double eps) {
        int last = x.getShape().dimension() - 1;
        NDArray meanSquare = x.square().mean(new int[] {last}, true); // (..., 1)
        NDArray inv = Ops.pow(Ops.add(meanSquare, (float) eps), -0.5f);                    // rsqrt(var + eps)
        return x.mul(inv).mul(weight);
    }

    /** The effective weight of a norm as the family computes it: w, or 1 + w for Gemma (in w's manager). */
    static NDArray effectiveWeight(NDArray stored, Family family) {
        return family.gemma() ? gemmaWeight(stored) : stored;
    }

    /** {@code 1 + w}, float32, in w's manager. */
    static NDArray gemmaWeight(NDArray w) {
        return w.add(1f);
    }
}
