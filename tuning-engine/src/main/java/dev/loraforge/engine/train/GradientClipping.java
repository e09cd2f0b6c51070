package dev.loraforge.engine.train;

import ai.djl.ndarray.NDArray;
import java.util.Collection;

/** {@code torch.nn.utils.clip_grad_norm_} with the L2 norm over all gradients together. */
public final class GradientClipping {

    private GradientClipping() {
    }

    /** The global L2 norm of the gradients (computed per tensor, then combined, as torch does). */
    public static double globalNorm(Collection<NDArray> grads) {
        double sumSq = 0;
        for (NDArray g : grads) {
            try (NDArray n = g.norm()) {
                double v = n.getFloat();
                sumSq += v * v;
            }
        }
        return Math.sqrt(sumSq);
    }

    /**
     * Scales the gradients in place by {@code min(1, maxNorm / (norm + 1e-6))} and returns the norm
     * before clipping. {@code maxNorm <= 0} disables clipping (the norm is still returned).
     */
    public static double clip(Collection<NDArray> grads, double maxNorm) {
        double norm = globalNorm(grads);
        if (maxNorm > 0) {
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1.0) {
                for (NDArray g : grads) {
                    g.muli((float) coef);
                }
            }
        }
        return norm;
    }
}
