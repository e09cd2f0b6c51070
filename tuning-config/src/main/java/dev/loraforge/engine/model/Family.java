package dev.loraforge.engine.model;

import java.util.Arrays;
import java.util.List;

/**
 * The architectures this engine implements, as small named differences from Llama (the way
 * transformers' modular files derive one model from another). Everything not listed here is the
 * Llama computation: pre-norm decoder layers, RMSNorm, rotate-half RoPE, grouped-query attention,
 * gated MLP.
 *
 * <ul>
 *   <li>{@code llama} (LlamaForCausalLM): optional attention and MLP biases, llama3 / linear RoPE scaling.</li>
 *   <li>{@code mistral} (MistralForCausalLM): sliding-window attention on every layer when configured.</li>
 *   <li>{@code qwen2} (Qwen2ForCausalLM): q/k/v biases; sliding window on layers >= max_window_layers.</li>
 *   <li>{@code qwen3} (Qwen3ForCausalLM): per-head RMSNorm {@code q_norm}/{@code k_norm} before RoPE, explicit
 *       head_dim, optional attention_bias on q/k/v/o.</li>
 *   <li>{@code gemma2} (Gemma2ForCausalLM): embeddings scaled by sqrt(hidden_size), RMSNorm as x·(1+w),
 *       four norms per layer (input, post-attention, pre-feedforward, post-feedforward), GeGLU with gelu-tanh,
 *       scores scaled by query_pre_attn_scalar^-1/2, attention and final logit soft-capping, sliding-window
 *       layers alternating with global ones.</li>
 *   <li>{@code gemma3_text} (Gemma3ForCausalLM): gemma2 plus {@code q_norm}/{@code k_norm}, local layers with
 *       their own RoPE base (rope_local_base_freq, unscaled), global layers with rope_theta and rope_scaling.</li>
 *   <li>{@code phi3} (Phi3ForCausalLM, also Phi-4): fused {@code qkv_proj} (q rows, then k, then v) and
 *       {@code gate_up_proj} (gate rows, then up), optional partial rotary embeddings.</li>
 * </ul>
 */
public enum Family {

    LLAMA("llama", "LlamaForCausalLM"),
    MISTRAL("mistral", "MistralForCausalLM"),
    QWEN2("qwen2", "Qwen2ForCausalLM"),
    QWEN3("qwen3", "Qwen3ForCausalLM"),
    GEMMA2("gemma2", "Gemma2ForCausalLM"),
    GEMMA3_TEXT("gemma3_text", "Gemma3ForCausalLM"),
    PHI3("phi3", "Phi3ForCausalLM");

    private final String modelType;
    private final String architecture;

    Family(String modelType, String architecture) {
        this.modelType = modelType;
        this.architecture = architecture;
    }

    /** config.json's model_type. */
    public String modelType() {
        return modelType;
    }

    /** config.json's architectures entry. */
    public String architecture() {
        return architecture;
    }

    /** Gemma's differences: scaled embeddings, x·(1+w) norms, four norms per layer, query_pre_attn_scalar. */
    public boolean gemma() {
        return this == GEMMA2 || this == GEMMA3_TEXT;
    }

    /** Per-head RMSNorm on queries and keys before RoPE. */
    public boolean qkNorm() {
        return this == QWEN3 || this == GEMMA3_TEXT;
    }

    /** Fused qkv_proj and gate_up_proj instead of separate projections. */
    public boolean fusedProjections() {
        return this == PHI3;
    }

    /** The projection modules of a layer, in PEFT/transformers order. */
    public List<String> projections() {
        return fusedProjections() ? Projections.FUSED : Projections.SEPARATE;
    }

    /** All model_type values, sorted. */
    public static List<String> modelTypes() {
        return Arrays.stream(values()).map(Family::modelType).sorted().toList();
    }

    /** The family of a model_type, or an error naming the supported ones. */
    public static Family of(String modelType) {
        for (Family f : values()) {
            if (f.modelType.equals(modelType)) {
                return f;
            }
        }
        String hint = switch (modelType == null ? "" : modelType) {
            case "gemma3" -> " (a multimodal Gemma 3 checkpoint: use its text model, model_type gemma3_text)";
            case "gemma" -> " (Gemma 1 is not implemented; Gemma 2 and Gemma 3 are)";
            case "phi" -> " (Phi-1/Phi-2 are not implemented; Phi-3 and Phi-4 are, as phi3)";
            default -> "";
        };
        throw new IllegalArgumentException("model_type '" + modelType + "' is not supported" + hint + "; supported: "
                + modelTypes());
    }
}
