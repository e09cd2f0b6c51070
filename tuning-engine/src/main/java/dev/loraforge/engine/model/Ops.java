package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

/**
 * Small tensor helpers that keep results in the activation's manager (an op's result belongs to
 * its LEFT operand's manager, so long-lived weights are always passed as the second argument).
 */
public final class Ops {

    private Ops() {
    }

    /** x W^T + b: (..., in) -> (..., out); the result lives in x's manager. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray biasOrNull) {
        return Linear.linear(x, weight, biasOrNull).singletonOrThrow();
    }

    /** SiLU(x) = x * sigmoid(x). */
    public static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    /**
     * GELU with the tanh approximation (transformers' gelu_pytorch_tanh, torch's {@code approximate="tanh"}):
     * {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}.
     */
    public static NDArray geluTanh(NDArray x) {
        NDArray inner = x.pow(3).mul(0.044715f).add(x).mul(SQRT_2_OVER_PI);
        return x.mul(0.5f).mul(inner.tanh().add(1f));
    }

    /** cap * tanh(x / cap): Gemma's soft-capping of attention scores and logits. */
    public static NDArray softcap(NDArray x, float cap) {
        return x.div(cap).tanh().mul(cap);
    }

    /** Moves an array made from a long-lived one into {@code target}, so that it is freed with it. */
    public static NDArray into(NDArray array, NDManager target) {
        if (array.getManager() != target) {
            array.attach(target);
        }
        return array;
    }
}
