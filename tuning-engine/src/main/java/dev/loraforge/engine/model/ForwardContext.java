package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * What every layer of one forward pass shares: the adapter (or null), train/eval mode, the
 * KV cache (or null; or, for a decoding step of several sequences, their caches as a {@link BatchKv}), rotary
 * tables and attention masks for this call (full-attention layers', and sliding layers' where they differ), and the
 * manager that owns the call's arrays (the manager of the input ids).
 */
record ForwardContext(Adapter adapter, boolean training, KvCache cache, NDList fullRope, NDList slidingRope,
                      NDArray fullMask, NDArray slidingMask, int prefixLength, boolean prefixFromAdapter,
                      NDManager manager, BatchKv batch) {

    ForwardContext(Adapter adapter, boolean training, KvCache cache, NDList fullRope, NDList slidingRope,
                   NDArray fullMask, NDArray slidingMask, int prefixLength, boolean prefixFromAdapter, NDManager manager) {
        this(adapter, training, cache, fullRope, slidingRope, fullMask, slidingMask, prefixLength, prefixFromAdapter,
                manager, null);
    }

    /** y = W x + b, then the adapter's term for this projection when there is one. */
    NDArray project(int layer, String module, NDArray x, Projection projection) {
        NDArray y = projection.apply(x);
        return adapter == null ? y : adapter.adaptLinear(layer, module, x, y, training);
    }

    /** cos and signed sin for a full-attention or a sliding layer. */
    NDList rope(boolean sliding) {
        return sliding && slidingRope != null ? slidingRope : fullRope;
    }

    /** The additive mask for a full-attention or a sliding layer. */
    NDArray mask(boolean sliding) {
        return sliding ? slidingMask : fullMask;
    }
}
