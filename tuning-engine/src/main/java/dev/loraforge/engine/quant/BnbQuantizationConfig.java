package dev.loraforge.engine.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code quantization_config} of a bitsandbytes checkpoint's config.json, with the fields
 * transformers' {@code BitsAndBytesConfig.to_dict()} writes (sorted as its JSON is):
 * {@code quant_method: bitsandbytes}, {@code load_in_4bit} / {@code load_in_8bit} (and the
 * {@code _load_in_*} copies), {@code bnb_4bit_quant_type}, {@code bnb_4bit_use_double_quant},
 * {@code bnb_4bit_compute_dtype}, {@code bnb_4bit_quant_storage}, {@code llm_int8_*}.
 *
 * @param skipModules modules left unquantized ({@code llm_int8_skip_modules}; we write {@code ["lm_head"]})
 */
public record BnbQuantizationConfig(boolean loadIn4bit, boolean loadIn8bit, String quantType, boolean doubleQuant,
                                    String computeDtype, String quantStorage, List<String> skipModules) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public BnbQuantizationConfig {
        skipModules = List.copyOf(skipModules);
    }

    /** The configuration describing a model quantized with {@code scheme} by this engine (compute in float32). */
    public static BnbQuantizationConfig of(QuantScheme scheme) {
        return new BnbQuantizationConfig(scheme.fourBit(), !scheme.fourBit(), scheme.fourBit() ? "nf4" : "fp4",
                scheme == QuantScheme.NF4_DQ, "float32", "uint8", List.of("lm_head"));
    }

    /** The engine scheme this configuration describes. */
    public QuantScheme scheme() {
        return loadIn8bit ? QuantScheme.INT8 : doubleQuant ? QuantScheme.NF4_DQ : QuantScheme.NF4;
    }

    /** The JSON object, keys sorted as transformers writes them. */
    public ObjectNode toJson() {
        ObjectNode q = JSON.createObjectNode();
        q.put("_load_in_4bit", loadIn4bit);
        q.put("_load_in_8bit", loadIn8bit);
        q.put("bnb_4bit_compute_dtype", computeDtype);
        q.put("bnb_4bit_quant_storage", quantStorage);
        q.put("bnb_4bit_quant_type", quantType);
        q.put("bnb_4bit_use_double_quant", doubleQuant);
        q.put("llm_int8_enable_fp32_cpu_offload", false);
        q.put("llm_int8_has_fp16_weight", false);
        ArrayNode skip = q.putArray("llm_int8_skip_modules");
        skipModules.forEach(skip::add);
        q.put("llm_int8_threshold", 6.0);
        q.put("load_in_4bit", loadIn4bit);
        q.put("load_in_8bit", loadIn8bit);
        q.put("quant_method", "bitsandbytes");
        return q;
    }

    /** The model directory's quantization_config, or empty for a full-precision model. */
    public static Optional<BnbQuantizationConfig> read(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        JsonNode q = root.path("quantization_config");
        if (q.isMissingNode() || q.isNull()) {
            return Optional.empty();
        }
        return Optional.of(fromJson(q, file.toString()));
    }

    static BnbQuantizationConfig fromJson(JsonNode q, String where) {
        String method = q.path("quant_method").asText("");
        if (!method.equals("bitsandbytes")) {
            throw new IllegalArgumentException(where + ": quantization_config.quant_method '" + method
                    + "' is not supported; only bitsandbytes (4-bit nf4 or 8-bit) checkpoints load here");
        }
        boolean four = q.path("load_in_4bit").asBoolean(q.path("_load_in_4bit").asBoolean(false));
        boolean eight = q.path("load_in_8bit").asBoolean(q.path("_load_in_8bit").asBoolean(false));
        if (four == eight) {
            throw new IllegalArgumentException(where + ": quantization_config must set exactly one of load_in_4bit and load_in_8bit");
        }
        String type = q.path("bnb_4bit_quant_type").asText("fp4");
        if (four && !type.equals("nf4")) {
            throw new IllegalArgumentException(where + ": quantization_config.bnb_4bit_quant_type '" + type
                    + "' is not supported; only nf4");
        }
        String storage = q.path("bnb_4bit_quant_storage").asText("uint8");
        if (four && !storage.equals("uint8")) {
            throw new IllegalArgumentException(where + ": quantization_config.bnb_4bit_quant_storage '" + storage
                    + "' is not supported; only uint8");
        }
        List<String> skip = new ArrayList<>();
        q.path("llm_int8_skip_modules").forEach(n -> skip.add(n.asText()));
        return new BnbQuantizationConfig(four, eight, type, q.path("bnb_4bit_use_double_quant").asBoolean(false),
                q.path("bnb_4bit_compute_dtype").asText("float32"), storage, skip);
    }
}
