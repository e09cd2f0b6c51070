package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * What every layer of one forward pass shares: the adapter (or null), train/eval mode, the
 * KV cache (or null), rotary tables and the attention mask for this call, and the manager that
 * owns the call's arrays (the manager of the input ids).
 */
record ForwardContext(Adapter adapter, boolean training, KvCache cache, NDList rope, NDArray mask,
                      int prefixLength, boolean prefixFromAdapter, NDManager manager) {

    /** y = W x + b, then the adapter's term for this projection when there is one. */
    NDArray project(int layer, String module, NDArray x, Projection projection) {
        NDArray y = projection.apply(x);
        return adapter == null ? y : adapter.adaptLinear(layer, module, x, y, training);
    }
}
