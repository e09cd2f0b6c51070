package dev.loraforge.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** End-of-sequence ids of a model directory: generation_config.json first, then config.json. */
public final class GenerationDefaults {

    private GenerationDefaults() {
    }

    /** The EOS ids (possibly several, e.g. Llama 3's), or an empty list when neither file names one. */
    public static List<Integer> eosTokenIds(Path modelDir) {
        for (String file : List.of("generation_config.json", "config.json")) {
            Path p = modelDir.resolve(file);
            if (Files.isRegularFile(p)) {
                try {
                    JsonNode node = LlamaConfig.JSON.readTree(p.toFile()).get("eos_token_id");
                    List<Integer> ids = ConfigJson.tokenIds(node);
                    if (!ids.isEmpty()) {
                        return List.copyOf(ids);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + p, e);
                }
            }
        }
        return List.of();
    }

    /** generation_config.json text for a config (bos/eos/pad ids as in config.json). */
    public static String json(LlamaConfig config) {
        var o = LlamaConfig.JSON.createObjectNode();
        if (config.bosTokenId() != null) {
            o.put("bos_token_id", config.bosTokenId());
        }
        if (config.eosTokenIds().size() == 1) {
            o.put("eos_token_id", config.eosTokenIds().get(0));
        } else if (!config.eosTokenIds().isEmpty()) {
            var a = o.putArray("eos_token_id");
            config.eosTokenIds().forEach(a::add);
        }
        if (config.padTokenId() != null) {
            o.put("pad_token_id", config.padTokenId());
        }
        o.put("_from_model_config", true);
        try {
            return LlamaConfig.JSON.writeValueAsString(o) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
