package dev.loraforge.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.loraforge.engine.model.Ops;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter 2019) written in NDArray ops to match {@code torch.optim.AdamW}'s
 * single-tensor CPU path operation for operation (amsgrad off, maximize off):
 * <pre>
 * p    *= 1 - lr * weight_decay
 * m    = m.lerp(g, 1 - beta1)                    (m + (1-beta1)(g - m))
 * v    = v * beta2 + (1 - beta2) * g * g
 * bc1  = 1 - beta1^t;  bc2 = 1 - beta2^t
 * p   -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)
 * </pre>
 * DJL's built-in {@code adamW()} folds the bias correction into epsilon differently, which drifts
 * from PyTorch. Moments live in the {@code stateManager}; temporaries of a step go to the manager
 * passed to {@link #step} and are freed with it.
 */
public final class AdamW {

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, NDArray> params;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private long step;

    public AdamW(Map<String, NDArray> params, double beta1, double beta2, double eps, double weightDecay,
            NDManager stateManager) {
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (eps <= 0) {
            throw new IllegalArgumentException("eps must be > 0, got " + eps);
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.params = new LinkedHashMap<>(params);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            expAvg.put(e.getKey(), stateManager.zeros(e.getValue().getShape()));
            expAvgSq.put(e.getKey(), stateManager.zeros(e.getValue().getShape()));
        }
    }

    /** torch defaults: betas (0.9, 0.999), eps 1e-8. */
    public static AdamW withDefaults(Map<String, NDArray> params, double weightDecay, NDManager stateManager) {
        return new AdamW(params, 0.9, 0.999, 1e-8, weightDecay, stateManager);
    }

    /**
     * One update with learning rate {@code lr}. {@code grads} maps each parameter name to its gradient;
     * every temporary lands in {@code tmp}.
     */
    public void step(Map<String, NDArray> grads, double lr, NDManager tmp) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        float stepSize = (float) (lr / bc1);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String name = e.getKey();
            NDArray p = e.getValue();
            NDArray g = grads.get(name);
            if (g == null) {
                throw new IllegalArgumentException("no gradient for parameter " + name);
            }
            NDArray m = expAvg.get(name);
            NDArray v = expAvgSq.get(name);
            if (weightDecay != 0) {
                p.muli((float) (1 - lr * weightDecay));
            }
            m.addi(on(tmp, g.sub(m)).muli((float) (1 - beta1)));       // lerp
            v.muli((float) beta2).addi(on(tmp, g.mul((float) (1 - beta2))).muli(g));
            NDArray denom = on(tmp, v.sqrt()).divi((float) bc2Sqrt).addi((float) eps);
            p.subi(on(tmp, m.div(denom)).muli(stepSize));
        }
    }

    private static NDArray on(NDManager tmp, NDArray a) {
        a.attach(tmp);
        return a;
    }

    /** Updates taken so far (torch's {@code state['step']}). */
    public long stepCount() {
        return step;
    }

    /** First moments by parameter name (torch's {@code exp_avg}); live arrays, for checkpoints. */
    public Map<String, NDArray> expAvg() {
        return expAvg;
    }

    /** Second moments by parameter name (torch's {@code exp_avg_sq}). */
    public Map<String, NDArray> expAvgSq() {
        return expAvgSq;
    }

    /** Restores moments and the step count from a checkpoint (values are copied in place). */
    public void restore(Map<String, float[]> avg, Map<String, float[]> avgSq, long stepCount) {
        for (String name : params.keySet()) {
            float[] a = avg.get(name);
            float[] s = avgSq.get(name);
            if (a == null || s == null) {
                throw new IllegalArgumentException("checkpoint has no optimizer state for parameter " + name);
            }
            Ops.copyInto(expAvg.get(name), a);
            Ops.copyInto(expAvgSq.get(name), s);
        }
        this.step = stepCount;
    }
}
