package dev.loraforge.engine.train;

import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.lora.LoraInit;
import dev.loraforge.engine.lora.PrefixAdapter;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaModel;
import java.util.List;

/**
 * Which adapter to train: LoRA ({@code r}, {@code alpha}, {@code dropout}, {@code targets},
 * {@code rslora}, {@code init}), QLoRA (the same LoRA on a base held in NF4, see {@link #quantizedBase()})
 * or prefix tuning ({@code virtualTokens}). Checked on construction.
 *
 * @param method        {@code lora}, {@code qlora} or {@code prefix}
 * @param init          {@code kaiming} (PEFT's default) or {@code gaussian}
 * @param virtualTokens prefix length for {@code prefix}
 */
public record AdapterSpec(String method, int r, double alpha, double dropout, List<String> targets, boolean rslora,
        String init, int virtualTokens) {

    public static final String LORA = "lora";
    public static final String PREFIX = "prefix";
    /** LoRA on a quantized base (quantized on the fly with nf4-dq unless the model directory already is). */
    public static final String QLORA = "qlora";

    public AdapterSpec {
        method = method == null ? LORA : method.toLowerCase();
        init = init == null ? "kaiming" : init.toLowerCase();
        targets = targets == null ? null : List.copyOf(targets); // null: the family's default (PEFT's mapping)
        if (!method.equals(LORA) && !method.equals(QLORA) && !method.equals(PREFIX)) {
            throw new IllegalArgumentException("method is '" + method + "'; it must be lora, qlora or prefix");
        }
        if (method.equals(PREFIX) && virtualTokens < 1) {
            throw new IllegalArgumentException("num_virtual_tokens is " + virtualTokens + "; it must be at least 1");
        }
        if (!init.equals("kaiming") && !init.equals("gaussian")) {
            throw new IllegalArgumentException("init is '" + init + "'; it must be kaiming or gaussian");
        }
        if (!method.equals(PREFIX)) {
            // LoraConfig checks r, alpha, dropout, targets (the model checks the family's module names later)
            loraConfig(r, alpha, dropout, targets == null ? List.of(LoraConfig.ALL_LINEAR) : targets, rslora, init);
        }
    }

    /** LoRA with PEFT's defaults for the rest (dropout 0, no rsLoRA, Kaiming-uniform A). */
    public static AdapterSpec lora(int r, double alpha, List<String> targets) {
        return new AdapterSpec(LORA, r, alpha, 0.0, targets, false, "kaiming", 0);
    }

    public static AdapterSpec prefix(int virtualTokens) {
        return new AdapterSpec(PREFIX, 0, 0, 0, List.of(), false, "kaiming", virtualTokens);
    }

    /** True for QLoRA: the base is held quantized ({@link dev.loraforge.engine.quant.QloraBase}). */
    public boolean quantizedBase() {
        return method.equals(QLORA);
    }

    /** A fresh adapter on {@code model}, initialised from {@code seed}. */
    public Adapter create(LlamaModel model, long seed) {
        return method.equals(PREFIX)
                ? PrefixAdapter.create(model, virtualTokens, seed)
                : LoraAdapter.create(model, loraConfig(r, alpha, dropout,
                        targets == null ? LoraConfig.defaultTargets(model.config().family()) : targets, rslora, init), seed);
    }

    private static LoraConfig loraConfig(int r, double alpha, double dropout, List<String> targets, boolean rslora, String init) {
        return LoraConfig.of(r, alpha, dropout, targets).withRslora(rslora)
                .withInit(init.equals("gaussian") ? LoraInit.GAUSSIAN : LoraInit.KAIMING_UNIFORM);
    }
}
