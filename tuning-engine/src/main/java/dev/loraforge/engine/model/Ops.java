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
        NDArray inner = mul(mul(pow(x, 3f), 0.044715f).add(x), SQRT_2_OVER_PI);
        return mul(x, 0.5f).mul(add(inner.tanh(), 1f));
    }

    /** cap * tanh(x / cap): Gemma's soft-capping of attention scores and logits. */
    public static NDArray softcap(NDArray x, float cap) {
        return mul(div(x, cap).tanh(), cap);
    }

    /*
     * Tensor-by-number ops. DJL's x.mul(2f) wraps the number in a 0-d tensor over a Java direct buffer
     * (from_blob: PyTorch does not own the memory) and closes it right after the op, so the buffer is
     * freed at the next garbage collection; autograd keeps that tensor for the backward pass of mul, div
     * and pow, which then read freed memory (wrong or NaN gradients, depending on when the collector
     * ran). These helpers hand PyTorch a scalar it owns: a copy of the wrapped number, which lives as long
     * as the graph that saved it. Use them for every op that may be part of a training graph.
     */

    /** x * s. */
    public static NDArray mul(NDArray x, float s) {
        try (NDArray k = scalar(x, s)) {
            return x.mul(k);
        }
    }

    /** x / s. */
    public static NDArray div(NDArray x, float s) {
        try (NDArray k = scalar(x, s)) {
            return x.div(k);
        }
    }

    /** x + s. */
    public static NDArray add(NDArray x, float s) {
        try (NDArray k = scalar(x, s)) {
            return x.add(k);
        }
    }

    /** x ^ e. */
    public static NDArray pow(NDArray x, float e) {
        try (NDArray k = scalar(x, e)) {
            return x.pow(k);
        }
    }

    /** A 0-d float32 tensor holding {@code v} in memory PyTorch owns, in x's manager. */
    private static NDArray scalar(NDArray x, float v) {
        try (NDArray wrapped = x.getManager().create(v)) {
            return wrapped.duplicate(); // a clone: PyTorch-allocated storage
        }
    }

    /**
     * {@code array} (made by {@code manager.create(...)} from Java data) copied into PyTorch-owned memory,
     * for arrays kept beyond the op that uses them (tables, index arrays saved by autograd); the Java-backed
     * original is closed.
     */
    public static NDArray owned(NDArray array) {
        try (array) {
            return array.duplicate();
        }
    }

    /**
     * Copies {@code values} (row-major, as many as the array holds) into {@code target}'s own PyTorch memory, in
     * place; DJL's {@code NDArray.set(float[])} would instead make a Java buffer the array's storage. Run with
     * autograd off on the calling thread for a parameter that requires gradients ({@link GradMode}).
     */
    public static void copyInto(NDArray target, float[] values) {
        try (NDArray source = target.getManager().create(values, target.getShape())) {
            target.set(new ai.djl.ndarray.index.NDIndex(":"), source);
        }
    }

    /** Moves an array made from a long-lived one into {@code target}, so that it is freed with it. */
    public static NDArray into(NDArray array, NDManager target) {
        if (array.getManager() != target) {
            array.attach(target);
        }
        return array;
    }
}
