package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;

/** SwiGLU feed-forward as in transformers' LlamaMLP: {@code down(silu(gate(x)) * up(x))}. */
final class Mlp {

    private final int layer;
    private final Projection gate;
    private final Projection up;
    private final Projection down;

    Mlp(int layer, WeightSet w) {
        this.layer = layer;
        gate = w.projection(WeightLayout.modulePath(layer, "gate_proj"));
        up = w.projection(WeightLayout.modulePath(layer, "up_proj"));
        down = w.projection(WeightLayout.modulePath(layer, "down_proj"));
    }

    /** x (B, T, H) -> (B, T, H). */
    NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray g = ctx.project(layer, "gate_proj", x, gate); // (B, T, I)
        NDArray u = ctx.project(layer, "up_proj", x, up);       // (B, T, I)
        NDArray hidden = Ops.silu(g).mul(u);                             // (B, T, I)
        return ctx.project(layer, "down_proj", hidden, down); // (B, T, H)
    }
}
