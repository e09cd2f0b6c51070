package dev.loraforge.engine.model;

import java.util.List;

/**
 * The projection module names of Llama-family decoder layers, as Hugging Face and PEFT spell them: what
 * {@code target_modules} may name. tuning-engine's {@code WeightLayout} places them in a checkpoint.
 */
public final class Projections {

    /** The seven projection modules of separate-projection families, in PEFT/transformers order. */
    public static final List<String> SEPARATE =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** phi3's four projection modules: fused q/k/v and fused gate/up. */
    public static final List<String> FUSED = List.of("qkv_proj", "o_proj", "gate_up_proj", "down_proj");

    /** Every projection module name of any family (the index space of per-projection tables). */
    public static final List<String> ALL =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "qkv_proj", "gate_up_proj");

    private Projections() {
    }
}
