package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * RMSNorm as transformers' LlamaRMSNorm computes it in float32:
 * {@code weight * x / sqrt(mean(x^2, last axis) + eps)}.
 */
public final class RmsNorm {

    private RmsNorm() {
    }

    /** x (..., H), weight (H) -> (..., H). */
    public static NDArray apply(NDArray x, NDArray weight, double eps) {
        int last = x.getShape().dimension() - 1;
        NDArray meanSquare = x.square().mean(new int[] {last}, true); // (..., 1)
        NDArray inv = meanSquare.add(eps).pow(-0.5);                    // rsqrt(var + eps)
        return x.mul(inv).mul(weight);
    }
}
