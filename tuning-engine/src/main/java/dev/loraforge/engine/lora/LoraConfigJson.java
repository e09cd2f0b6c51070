package dev.loraforge.engine.lora;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** LoRA's adapter_config.json: the fields of PEFT's LoraConfig, written and read. */
final class LoraConfigJson {

    private LoraConfigJson() {
    }

    static Map<String, Object> toPeft(LoraConfig c, LoraPatterns patterns, String baseModelNameOrPath) {
        Map<String, Object> m = PeftConfigFiles.common("LORA", baseModelNameOrPath);
        m.put("alpha_pattern", new TreeMap<>(patterns.alpha()));
        m.put("bias", "none");
        m.put("fan_in_fan_out", false);
        m.put("init_lora_weights", c.init().peftValue());
        m.put("layer_replication", null);
        m.put("layers_pattern", null);
        m.put("layers_to_transform", null);
        m.put("loftq_config", Map.of());
        m.put("lora_alpha", PeftConfigFiles.number(c.alpha()));
        m.put("lora_dropout", c.dropout());
        m.put("megatron_config", null);
        m.put("megatron_core", "megatron.core");
        m.put("modules_to_save", null);
        m.put("r", c.r());
        m.put("rank_pattern", new TreeMap<>(patterns.rank()));
        m.put("target_modules", c.resolvedTargets());
        m.put("use_dora", false);
        m.put("use_rslora", c.useRslora());
        return m;
    }

    /** The parts of a foreign config this engine can honour; anything else is refused by name. */
    record Parsed(int r, double alpha, double dropout, boolean rslora, LoraInit init, LoraPatterns patterns) {
    }

    static Parsed fromPeft(JsonNode j, Path dir) {
        String where = dir.resolve(PeftConfigFiles.CONFIG).toString();
        String type = j.path("peft_type").asText("");
        if (!type.equals("LORA")) {
            throw new IllegalArgumentException(where + ": peft_type is '" + type + "', expected LORA");
        }
        refuseIf(j.path("use_dora").asBoolean(false), where, "use_dora is true: DoRA is not supported");
        refuseIf(j.path("fan_in_fan_out").asBoolean(false), where, "fan_in_fan_out is true: only nn.Linear layouts");
        refuseIf(!j.path("bias").asText("none").equals("none"), where,
                "bias '" + j.path("bias").asText() + "' is not supported; only \"none\"");
        refuseIf(j.path("lora_bias").asBoolean(false), where, "lora_bias is true: not supported");
        refuseIf(j.hasNonNull("modules_to_save") && j.get("modules_to_save").size() > 0, where,
                "modules_to_save " + j.get("modules_to_save") + " is not supported (only LoRA matrices)");
        refuseIf(j.hasNonNull("layer_replication"), where, "layer_replication is not supported");
        refuseIf(j.hasNonNull("trainable_token_indices"), where, "trainable_token_indices is not supported");
        int r = j.path("r").asInt(8);
        double alpha = j.path("lora_alpha").asDouble(8);
        JsonNode init = j.path("init_lora_weights");
        LoraInit li = init.isTextual() && init.asText().equals("gaussian") ? LoraInit.GAUSSIAN : LoraInit.KAIMING_UNIFORM;
        Map<String, Integer> rank = new LinkedHashMap<>();
        j.path("rank_pattern").fields().forEachRemaining(e -> rank.put(e.getKey(), e.getValue().asInt()));
        Map<String, Double> alphas = new LinkedHashMap<>();
        j.path("alpha_pattern").fields().forEachRemaining(e -> alphas.put(e.getKey(), e.getValue().asDouble()));
        return new Parsed(r, alpha, j.path("lora_dropout").asDouble(0.0), j.path("use_rslora").asBoolean(false), li,
                new LoraPatterns(rank, alphas));
    }

    private static void refuseIf(boolean bad, String where, String message) {
        if (bad) {
            throw new IllegalArgumentException(where + ": " + message);
        }
    }

    /** target_modules as written (a list, or a regex string), for messages. */
    static List<String> targets(JsonNode j) {
        List<String> out = new ArrayList<>();
        JsonNode t = j.path("target_modules");
        if (t.isArray()) {
            t.forEach(x -> out.add(x.asText()));
        } else if (t.isTextual()) {
            out.add(t.asText());
        }
        return out;
    }
}
