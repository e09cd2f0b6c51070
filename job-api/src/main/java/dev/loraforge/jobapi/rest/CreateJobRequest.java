package dev.loraforge.jobapi.rest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * {@code POST /v1/fine_tuning/jobs}, as OpenAI defines it ({@code metadata} and {@code integrations} included, as
 * JSON nodes so that their checks can name the field), plus the {@code adapter} and
 * {@code chat_template_kwargs} extensions (the latter as vLLM names the same thing for chat completions).
 * Hyperparameter values are numbers or {@code "auto"}, so they arrive as JSON nodes. {@code dry_run} (an extension,
 * as Mistral's fine-tuning API has it) validates and measures the job without creating it.
 */
public record CreateJobRequest(
        String model,
        String trainingFile,
        String validationFile,
        JsonNode hyperparameters,
        String suffix,
        Long seed,
        JsonNode method,
        AdapterOptions adapter,
        JsonNode chatTemplateKwargs,
        JsonNode metadata,
        JsonNode integrations,
        Boolean dryRun) {

    /**
     * Extension: the adapter to train. Omitted fields take the documented defaults (tuning-config's JobSettings);
     * {@code num_virtual_tokens} is for {@code type: "prefix"}.
     */
    public record AdapterOptions(String type, Integer r, Double alpha, Double dropout, List<String> targetModules,
                                 Boolean useRslora, String quantization, Integer numVirtualTokens) {
    }
}
