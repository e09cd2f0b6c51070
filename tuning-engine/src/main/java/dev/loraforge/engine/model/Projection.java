package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;

/**
 * One frozen linear layer {@code y = x W^T + b}: W float32 and resident, or quantized and dequantized
 * for this matmul only (into the activation's manager, closed right after: when autograd needs the
 * weight for the backward pass it holds its own reference until then).
 */
record Projection(NDArray weight, QuantizedWeight quantized, NDArray bias) {

    Projection {
        if ((weight == null) == (quantized == null)) {
            throw new IllegalArgumentException("a projection needs exactly one of a dense and a quantized weight");
        }
    }

    /** x (..., in) -> (..., out), in x's manager. */
    NDArray apply(NDArray x) {
        if (quantized == null) {
            return Ops.linear(x, weight, bias);
        }
        NDArray w = quantized.dequantize(x.getManager()); // (out, in) float32
        try {
            return Ops.linear(x, w, bias);
        } finally {
            w.close();
        }
    }
}
