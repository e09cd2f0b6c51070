package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Gated feed-forward as in transformers' LlamaMLP: {@code down(act(gate(x)) * up(x))}, act SiLU (SwiGLU)
 * or, for Gemma, gelu with the tanh approximation (GeGLU). phi3 computes gate and up with one fused
 * {@code gate_up_proj} whose first half of rows is the gate (Phi3MLP's {@code chunk(2, dim=-1)}).
 */
final class Mlp {

    private final int layer;
    private final boolean gelu;
    private final int intermediate;
    private final Projection gate;    // null when fused
    private final Projection up;      // null when fused
    private final Projection gateUp;  // null unless fused
    private final Projection down;

    Mlp(int layer, LlamaConfig config, WeightSet w) {
        this.layer = layer;
        this.gelu = config.family().gemma();
        this.intermediate = config.intermediateSize();
        if (config.family().fusedProjections()) {
            gateUp = w.projection(WeightLayout.modulePath(layer, "gate_up_proj"));
            gate = null;
            up = null;
        } else {
            gate = w.projection(WeightLayout.modulePath(layer, "gate_proj"));
            up = w.projection(WeightLayout.modulePath(layer, "up_proj"));
            gateUp = null;
        }
        down = w.projection(WeightLayout.modulePath(layer, "down_proj"));
    }

    /** x (B, T, H) -> (B, T, H). */
    NDArray forward(NDArray x, ForwardContext ctx) {
        NDArray g;
        NDArray u;
        if (gateUp != null) {
            NDList halves = ctx.project(layer, "gate_up_proj", x, gateUp)           // (B, T, 2I)
                    .split(new long[] {intermediate}, 2);
            g = halves.get(0);                                                         // (B, T, I)
            u = halves.get(1);                                                         // (B, T, I)
        } else {
            g = ctx.project(layer, "gate_proj", x, gate);                              // (B, T, I)
            u = ctx.project(layer, "up_proj", x, up);                                  // (B, T, I)
        }
        NDArray hidden = (gelu ? Ops.geluTanh(g) : Ops.silu(g)).mul(u);               // (B, T, I)
        return ctx.project(layer, "down_proj", hidden, down);                          // (B, T, H)
    }
}
