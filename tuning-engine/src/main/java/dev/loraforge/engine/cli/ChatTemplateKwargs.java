package dev.loraforge.engine.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --chat-template-kwargs JSON}: extra chat-template variables, as transformers'
 * {@code apply_chat_template(..., **kwargs)} (e.g. {@code '{"enable_thinking": false}'} for Qwen3).
 * {@code tune train} and {@code tune preview} share it, so preview shows what training renders.
 */
final class ChatTemplateKwargs {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--chat-template-kwargs", paramLabel = "JSON",
            description = "Extra chat-template variables as a JSON object, e.g. '{\"enable_thinking\": false}'.")
    String json;

    /** The variables as plain Java values (maps, lists, strings, numbers, booleans); empty without the option. */
    @SuppressWarnings("unchecked")
    Map<String, Object> values() {
        if (json == null) {
            return Map.of();
        }
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("--chat-template-kwargs is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("--chat-template-kwargs must be a JSON object, e.g. '{\"enable_thinking\": false}'");
        }
        for (java.util.Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            String problem = dev.loraforge.engine.data.TemplateVariables.problem(name);
            if (problem != null) {
                throw new IllegalArgumentException("--chat-template-kwargs key '" + name + "' " + problem);
            }
        }
        return JSON.convertValue(node, Map.class);
    }
}
