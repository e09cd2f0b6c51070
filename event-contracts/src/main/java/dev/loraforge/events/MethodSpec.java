package dev.loraforge.events;

import java.util.List;

/**
 * The adaptation method of a job, with its resolved options.
 *
 * @param type            {@code lora}, {@code qlora} or {@code prefix}
 * @param r               LoRA rank (lora, qlora)
 * @param alpha           LoRA alpha; the update is scaled by alpha/r (alpha/sqrt(r) with rsLoRA)
 * @param dropout         dropout on the adapter branch
 * @param targetModules   Hugging Face module names ({@code q_proj}, ...), or {@code all-linear}
 * @param useRslora       rank-stabilised scaling
 * @param quantization    the base model's quantization scheme for qlora ({@code nf4}, {@code nf4-dq}, {@code int8})
 * @param numVirtualTokens prefix length (prefix tuning)
 */
public record MethodSpec(
        String type,
        Integer r,
        Double alpha,
        Double dropout,
        List<String> targetModules,
        Boolean useRslora,
        String quantization,
        Integer numVirtualTokens) {

    public static final List<String> TYPES = List.of("lora", "qlora", "prefix");

    public MethodSpec {
        Require.text(type, "MethodSpec", "type");
        if (!TYPES.contains(type)) {
            throw new EventFormatException("MethodSpec.type must be one of " + TYPES + ", got '" + type + "'");
        }
        targetModules = targetModules == null ? null : List.copyOf(targetModules);
    }
}
