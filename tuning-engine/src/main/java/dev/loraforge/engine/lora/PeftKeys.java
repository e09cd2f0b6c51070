package dev.loraforge.engine.lora;

import dev.loraforge.engine.model.WeightLayout;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEFT's saved key names. In memory PEFT names a LoRA matrix
 * {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight}; when saving it
 * drops the adapter name, giving {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}.
 */
public final class PeftKeys {

    static final String PREFIX = "base_model.model.";
    private static final Pattern LORA = Pattern.compile(
            "base_model\\.model\\.model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(\\w+_proj)\\.lora_([AB])(?:\\.[\\w-]+)?\\.weight");

    private PeftKeys() {
    }

    /** {@code base_model.model.model.layers.L.<parent>.<proj>.lora_A.weight}. */
    public static String loraA(int layer, String projection) {
        return PREFIX + WeightLayout.modulePath(layer, projection) + ".lora_A.weight";
    }

    /** {@code base_model.model.model.layers.L.<parent>.<proj>.lora_B.weight}. */
    public static String loraB(int layer, String projection) {
        return PREFIX + WeightLayout.modulePath(layer, projection) + ".lora_B.weight";
    }

    /** A parsed LoRA key: layer, projection and which matrix. */
    record LoraKey(int layer, String projection, boolean isA) {
    }

    /** Parses a saved LoRA key (an adapter name before ".weight" is tolerated); null if it is not one. */
    static LoraKey parse(String key) {
        Matcher m = LORA.matcher(key);
        if (!m.matches() || !WeightLayout.ALL_PROJECTIONS.contains(m.group(3))
                || !WeightLayout.parentOf(m.group(3)).equals(m.group(2))) {
            return null;
        }
        return new LoraKey(Integer.parseInt(m.group(1)), m.group(3), m.group(4).equals("A"));
    }
}
