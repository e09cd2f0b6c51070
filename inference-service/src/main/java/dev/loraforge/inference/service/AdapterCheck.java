package dev.loraforge.inference.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.lora.PeftAdapters;
import dev.loraforge.engine.model.Adapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads an adapter directory against a loaded base, refusing one that does not fit instead of
 * silently serving something else. Before the engine reads any tensor: a PEFT {@code CAUSAL_LM}
 * adapter of a supported type, made for the base model the caller names (when both name one), whose
 * LoRA {@code target_modules} are projections this architecture has. Then the engine's loader
 * checks every tensor: layers in range, A (r x in) and B (out x r) against the base's projection
 * shapes, prefix widths against layers x kv heads x head dim.
 */
public final class AdapterCheck {

    static final String CONFIG = "adapter_config.json";
    /** Where a training checkpoint's archive keeps the adapter of its step. */
    static final String CHECKPOINT_ADAPTER = "adapter";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TYPES = List.of("LORA", "PREFIX_TUNING");

    private AdapterCheck() {
    }

    /** The adapter in {@code dir} for {@code base}; {@link InferenceException} 422 {@code adapter_mismatch} when it does not fit. */
    public static Adapter load(Path archive, String adapterDigest, LoadedBase base, String expectedBaseName) {
        // a training checkpoint's archive holds its adapter in adapter/ (beside the optimizer state): serve that
        Path dir = !Files.isRegularFile(archive.resolve(CONFIG)) && Files.isRegularFile(archive.resolve(CHECKPOINT_ADAPTER).resolve(CONFIG))
                ? archive.resolve(CHECKPOINT_ADAPTER) : archive;
        String subject = "adapter " + adapterDigest + " does not fit base model " + base.digest() + " (" + base.describe() + "): ";
        JsonNode config = readConfig(dir, subject);
        String type = config.path("peft_type").asText("");
        if (!TYPES.contains(type)) {
            throw mismatch(subject + "peft_type '" + type + "' is not served; supported: " + TYPES);
        }
        String task = config.path("task_type").asText("");
        if (!task.isEmpty() && !task.equals("CAUSAL_LM")) {
            throw mismatch(subject + "task_type is '" + task + "', only CAUSAL_LM adapters generate text");
        }
        String madeFor = config.path("base_model_name_or_path").asText("");
        if (expectedBaseName != null && !expectedBaseName.isBlank() && isName(madeFor) && !madeFor.equals(expectedBaseName)) {
            throw mismatch(subject + "it was trained for base model '" + madeFor + "', not '" + expectedBaseName + "'");
        }
        if (type.equals("LORA")) {
            checkTargets(config.path("target_modules"), base.model().config().projections(), subject);
        }
        Adapter adapter;
        try {
            adapter = PeftAdapters.load(base.model(), dir);
        } catch (IllegalArgumentException e) {
            throw mismatch(subject + e.getMessage().replace(dir.toString(), "adapter"));
        }
        // served only: no autograd graph is needed (and none is built) for these parameters
        adapter.trainableParameters().values().forEach(p -> p.setRequiresGradient(false));
        return adapter;
    }

    private static JsonNode readConfig(Path dir, String subject) {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw mismatch(subject + "it is not a PEFT adapter (no " + CONFIG + ")");
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw mismatch(subject + CONFIG + " is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw mismatch(subject + CONFIG + " is not valid JSON: " + e.getMessage());
        }
    }

    /** A list of module names must name projections of the base's decoder layers; a regex string is left to the tensors. */
    private static void checkTargets(JsonNode targets, List<String> projections, String subject) {
        if (!targets.isArray()) {
            return;
        }
        List<String> unknown = new ArrayList<>();
        for (JsonNode t : targets) {
            String name = t.asText();
            if (!projections.contains(name) && !name.equals("all-linear")) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw mismatch(subject + "target_modules " + unknown + " are not modules of this architecture (it has "
                    + projections + ")");
        }
    }

    /** A model name as a registry knows it, not a local path the adapter was trained from. */
    private static boolean isName(String s) {
        return !s.isBlank() && !s.startsWith("/") && !s.startsWith(".") && !s.contains("\\");
    }

    private static InferenceException mismatch(String message) {
        return new InferenceException(422, "adapter_mismatch", "adapter", message);
    }
}
