package dev.loraforge.engine.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * adapter_config.json as PEFT writes it (keys sorted, two-space indent) and reads it, plus the
 * file names of a PEFT adapter directory.
 */
final class PeftConfigFiles {

    static final String CONFIG = "adapter_config.json";
    static final String WEIGHTS = "adapter_model.safetensors";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private PeftConfigFiles() {
    }

    /** Reads adapter_config.json and checks the weights file is there. */
    static JsonNode read(Path adapterDir) {
        Path file = adapterDir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + CONFIG + " in " + adapterDir + " (is it a PEFT adapter directory?)");
        }
        if (!Files.isRegularFile(adapterDir.resolve(WEIGHTS))) {
            String hint = Files.isRegularFile(adapterDir.resolve("adapter_model.bin"))
                    ? " (adapter_model.bin pickles are not read: re-save with safe_serialization=True)" : "";
            throw new IllegalArgumentException("no " + WEIGHTS + " in " + adapterDir + hint);
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (!node.isObject()) {
                throw new IllegalArgumentException(file + " must hold a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The fields every PEFT config has, for a CAUSAL_LM adapter. */
    static Map<String, Object> common(String peftType, String baseModelNameOrPath) {
        Map<String, Object> m = new TreeMap<>();
        m.put("auto_mapping", null);
        m.put("base_model_name_or_path", baseModelNameOrPath);
        m.put("inference_mode", true);
        m.put("peft_type", peftType);
        m.put("revision", null);
        m.put("task_type", "CAUSAL_LM");
        return m;
    }

    static void write(Path adapterDir, Map<String, Object> config) {
        try {
            Files.createDirectories(adapterDir);
            Files.writeString(adapterDir.resolve(CONFIG), JSON.writeValueAsString(new TreeMap<>(config)) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + CONFIG + " in " + adapterDir, e);
        }
    }

    /** A number written as an int when it is integral (PEFT's lora_alpha is usually an int). */
    static Number number(double v) {
        return v == Math.rint(v) && Math.abs(v) < Integer.MAX_VALUE ? (Number) (int) v : (Number) v;
    }

    /** peft_type of a directory's adapter_config.json. */
    static String peftType(Path adapterDir) {
        return read(adapterDir).path("peft_type").asText("");
    }
}
