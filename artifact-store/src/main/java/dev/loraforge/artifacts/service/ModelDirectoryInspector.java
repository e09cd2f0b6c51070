package dev.loraforge.artifacts.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.contracts.InvalidRequestException;
import dev.loraforge.engine.model.Family;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a Hugging Face model directory and summarises it for the registry: {@code config.json}
 * (model_type, sizes, heads) and the safetensors weights ({@code model.safetensors}, or the shards
 * named by {@code model.safetensors.index.json}), whose headers give the parameter count without
 * reading any tensor data. Every refusal names the file and what is wrong ({@code field} "path").
 */
@ApplicationScoped
public class ModelDirectoryInspector {

    static final String INDEX = "model.safetensors.index.json";

    private final ObjectMapper json;

    public ModelDirectoryInspector(ObjectMapper json) {
        this.json = json;
    }

    /** The base model's metadata; {@code dir} must be an existing directory. */
    public Map<String, Object> inspect(Path dir) throws IOException {
        JsonNode config = readConfig(dir);
        Map<String, Object> m = new LinkedHashMap<>();
        String modelType = requiredText(config, "model_type");
        Family family;
        try {
            family = Family.of(modelType);
        } catch (IllegalArgumentException e) {
            throw invalid("config.json: " + e.getMessage() + " (the architectures the engine trains and serves)");
        }
        if (config.has("quantization_config")) {
            throw invalid("config.json has a quantization_config: a base model is imported in full precision"
                    + " (bf16, fp16 or fp32); the platform quantizes it itself (NF4) for QLoRA jobs");
        }
        m.put("model_type", modelType);
        if (config.path("architectures").isArray()) {
            List<String> architectures = new ArrayList<>();
            config.path("architectures").forEach(a -> architectures.add(a.asText()));
            m.put("architectures", architectures);
        }
        int hidden = requiredPositive(config, "hidden_size");
        int layers = requiredPositive(config, "num_hidden_layers");
        int heads = requiredPositive(config, "num_attention_heads");
        int kvHeads = config.has("num_key_value_heads") ? requiredPositive(config, "num_key_value_heads") : heads;
        if (heads % kvHeads != 0) {
            throw invalid("config.json: num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        m.put("hidden_size", hidden);
        m.put("num_hidden_layers", layers);
        m.put("num_attention_heads", heads);
        m.put("num_key_value_heads", kvHeads);
        m.put("vocab_size", requiredPositive(config, "vocab_size"));
        copyIfNumber(config, "intermediate_size", m);
        copyIfNumber(config, "max_position_embeddings", m);
        copyIfNumber(config, "rope_theta", m);
        if (config.path("tie_word_embeddings").isBoolean()) {
            m.put("tie_word_embeddings", config.get("tie_word_embeddings").asBoolean());
        }
        if (config.path("torch_dtype").isTextual()) {
            m.put("torch_dtype", config.get("torch_dtype").asText());
        }

        List<Path> weights = weightFiles(dir);
        long parameters = 0;
        int tensors = 0;
        Set<String> dtypes = new TreeSet<>();
        Map<String, SafetensorsHeader.Entry> entries = new LinkedHashMap<>();
        for (Path file : weights) {
            SafetensorsHeader header;
            try {
                header = SafetensorsHeader.read(file, json);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw invalid(e.getMessage());
            }
            parameters += header.parameters();
            tensors += header.tensors();
            dtypes.addAll(header.dtypes());
            for (var e : header.entries().entrySet()) {
                if (entries.put(e.getKey(), e.getValue()) != null) {
                    throw invalid("tensor '" + e.getKey() + "' is stored twice (again in " + file.getFileName() + ")");
                }
            }
        }
        List<String> problems = WeightShapes.problems(config, family, entries);
        if (!problems.isEmpty()) {
            throw invalid("the weights do not match config.json: " + String.join("; ", problems));
        }
        m.put("chat_template", chatTemplateSource(dir));
        m.put("parameter_count", parameters);
        m.put("tensor_count", tensors);
        m.put("safetensors_dtypes", List.copyOf(dtypes));
        m.put("weight_files", weights.stream().map(p -> p.getFileName().toString()).toList());
        m.put("has_tokenizer", true);
        m.put("files", fileDigests(dir));
        return m;
    }

    /**
     * Checks the tokenizer the platform renders and tokenizes with: {@code tokenizer.json} (a fast tokenizer, as
     * {@code save_pretrained} writes it) and a chat template, in {@code tokenizer_config.json}'s {@code chat_template}
     * or a {@code chat_template.jinja} file; answers where the template is.
     */
    private String chatTemplateSource(Path dir) throws IOException {
        Path tokenizer = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizer)) {
            throw invalid("no tokenizer.json: training and serving tokenize with the model's own fast tokenizer;"
                    + " save it with the model (tokenizer.save_pretrained writes tokenizer.json)");
        }
        try {
            if (!json.readTree(tokenizer.toFile()).path("model").isObject()) {
                throw invalid("tokenizer.json has no 'model' object: not a Hugging Face fast tokenizer file");
            }
        } catch (JsonProcessingException e) {
            throw invalid("tokenizer.json is not valid JSON: " + e.getOriginalMessage());
        }
        if (Files.isRegularFile(dir.resolve("chat_template.jinja"))) {
            return "chat_template.jinja";
        }
        Path config = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            JsonNode template;
            try {
                template = json.readTree(config.toFile()).path("chat_template");
            } catch (JsonProcessingException e) {
                throw invalid("tokenizer_config.json is not valid JSON: " + e.getOriginalMessage());
            }
            if ((template.isTextual() && !template.asText().isBlank()) || (template.isArray() && !template.isEmpty())) {
                return "tokenizer_config.json";
            }
        }
        throw invalid("no chat template: chat jobs and chat completions render conversations with the model's own"
                + " template; put it in tokenizer_config.json's chat_template or a chat_template.jinja file");
    }

    /** Every regular file of the directory with its size and sha256, sorted by name. */
    private static List<Map<String, Object>> fileDigests(Path dir) throws IOException {
        List<Map<String, Object>> files = new ArrayList<>();
        try (var walk = Files.walk(dir)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                java.security.MessageDigest sha;
                try {
                    sha = java.security.MessageDigest.getInstance("SHA-256");
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
                long size = 0;
                byte[] buf = new byte[1 << 20];
                try (var in = Files.newInputStream(f)) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        sha.update(buf, 0, n);
                        size += n;
                    }
                }
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("name", dir.relativize(f).toString().replace('\\', '/'));
                entry.put("size", size);
                entry.put("sha256", java.util.HexFormat.of().formatHex(sha.digest()));
                files.add(entry);
            }
        }
        return files;
    }

    private JsonNode readConfig(Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw invalid(dir + " has no config.json: a Hugging Face model directory needs config.json and safetensors weights");
        }
        try {
            JsonNode config = json.readTree(file.toFile());
            if (config == null || !config.isObject()) {
                throw invalid("config.json is not a JSON object");
            }
            return config;
        } catch (JsonProcessingException e) {
            throw invalid("config.json is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private List<Path> weightFiles(Path dir) throws IOException {
        Path index = dir.resolve(INDEX);
        Set<String> names = new TreeSet<>();
        if (Files.isRegularFile(index)) {
            JsonNode map;
            try {
                map = json.readTree(index.toFile()).path("weight_map");
            } catch (JsonProcessingException e) {
                throw invalid(INDEX + " is not valid JSON: " + e.getOriginalMessage());
            }
            if (!map.isObject() || map.isEmpty()) {
                throw invalid(INDEX + " has no 'weight_map' object naming the shards");
            }
            for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
                String shard = it.next().asText();
                if (shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
                    throw invalid(INDEX + " names shard '" + shard + "' outside the model directory");
                }
                names.add(shard);
            }
            for (String shard : names) {
                if (!Files.isRegularFile(dir.resolve(shard))) {
                    throw invalid(INDEX + " names shard '" + shard + "', which is missing from " + dir);
                }
            }
        } else {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.safetensors")) {
                for (Path f : files) {
                    if (Files.isRegularFile(f)) {
                        names.add(f.getFileName().toString());
                    }
                }
            }
            if (names.isEmpty()) {
                throw invalid(dir + " has no *.safetensors weights (model.safetensors, or shards with " + INDEX + ")");
            }
        }
        return names.stream().map(dir::resolve).toList();
    }

    private static String requiredText(JsonNode config, String field) {
        JsonNode v = config.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw invalid("config.json: '" + field + "' is required (a string, e.g. \"llama\")");
        }
        return v.asText();
    }

    private static int requiredPositive(JsonNode config, String field) {
        JsonNode v = config.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
            throw invalid("config.json: '" + field + "' is required and must be a positive integer, got " + v);
        }
        return v.asInt();
    }

    private static void copyIfNumber(JsonNode config, String field, Map<String, Object> m) {
        JsonNode v = config.get(field);
        if (v != null && v.isNumber()) {
            m.put(field, v.numberValue());
        }
    }

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException("path", message);
    }
}
