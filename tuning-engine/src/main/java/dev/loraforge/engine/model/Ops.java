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

    /** Moves an array made from a long-lived one into {@code target}, so that it is freed with it. */
    public static NDArray into(NDArray array, NDManager target) {
        if (array.getManager() != target) {
            array.attach(target);
        }
        return array;
    }
}
