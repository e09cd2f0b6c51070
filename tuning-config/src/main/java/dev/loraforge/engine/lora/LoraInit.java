package dev.loraforge.engine.lora;

/**
 * How LoRA's A matrix starts (B always starts at zero, so the adapted model equals the base).
 * PEFT's {@code init_lora_weights}: {@code true} (default) is Kaiming-uniform with a = sqrt(5),
 * i.e. U(-1/sqrt(in), 1/sqrt(in)); {@code "gaussian"} is N(0, 1/r) as in the LoRA paper's code.
 */
public enum LoraInit {
    KAIMING_UNIFORM,
    GAUSSIAN;

    /** The adapter_config.json value: {@code true} or {@code "gaussian"}. */
    public Object peftValue() {
        return this == KAIMING_UNIFORM ? Boolean.TRUE : "gaussian";
    }
}
