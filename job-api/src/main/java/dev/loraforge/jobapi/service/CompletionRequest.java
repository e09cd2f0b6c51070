package dev.loraforge.jobapi.service;

import java.util.List;
import java.util.Map;

/**
 * A checked {@code /v1/chat/completions} or {@code /v1/completions} request: exactly one of
 * {@code messages} (role, content) and {@code prompt}; null settings take inference-service's
 * defaults (temperature 1, top_p 1, a random seed). {@code chatTemplateKwargs}: extra chat template
 * variables (vLLM's {@code chat_template_kwargs}), chat only, else null. {@code n} choices; {@code logprobs} null
 * for none, else the alternatives wanted per token (chat: {@code top_logprobs} once {@code logprobs} is true;
 * completions: {@code logprobs}); OpenAI's presence and frequency penalties (null: 0).
 */
public record CompletionRequest(String model, List<Map<String, String>> messages, String prompt, int maxTokens,
                                Double temperature, Double topP, Long seed, List<String> stop, boolean stream,
                                boolean includeUsage, com.fasterxml.jackson.databind.JsonNode chatTemplateKwargs,
                                int n, Integer logprobs, Double presencePenalty, Double frequencyPenalty) {

    public boolean chat() {
        return messages != null;
    }
}
