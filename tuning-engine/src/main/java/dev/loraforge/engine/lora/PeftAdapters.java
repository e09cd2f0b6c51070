package dev.loraforge.engine.lora;

import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaModel;
import java.nio.file.Path;

/** Loads any supported PEFT adapter directory, dispatching on adapter_config.json's peft_type. */
public final class PeftAdapters {

    private PeftAdapters() {
    }

    /** A {@link LoraAdapter} for LORA, a {@link PrefixAdapter} for PREFIX_TUNING; others are refused. */
    public static Adapter load(LlamaModel model, Path adapterDir) {
        String type = PeftConfigFiles.peftType(adapterDir);
        return switch (type) {
            case "LORA" -> LoraAdapter.load(model, adapterDir);
            case "PREFIX_TUNING" -> PrefixAdapter.load(model, adapterDir);
            default -> throw new IllegalArgumentException(adapterDir.resolve(PeftConfigFiles.CONFIG)
                    + ": peft_type '" + type + "' is not supported; supported: LORA, PREFIX_TUNING");
        };
    }
}
