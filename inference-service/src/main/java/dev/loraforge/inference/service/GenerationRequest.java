package dev.loraforge.inference.service;

import dev.loraforge.engine.data.ChatMessage;
import java.util.List;

/**
 * One generation, refs already resolved by the caller: the base model's digest, the adapter's digest
 * (null: the base alone), either chat {@code messages} (rendered with the model's chat template) or a
 * plain {@code prompt}, and the sampling settings ({@code temperature} 0 = greedy); chat template variables
 * for the messages ({@code chatTemplateKwargs}, empty for none); {@code tenantId}: the tenant it is made for (the
 * models are read from artifact-store as that tenant), null for none (shared base models only). {@code n} choices
 * from the one prompt (choice i samples with {@code seed + i}); {@code topLogprobs} -1 for no log-probabilities, else
 * the number of alternatives reported per token; OpenAI's presence and frequency penalties.
 */
public record GenerationRequest(String baseDigest, String baseName, String adapterDigest, List<ChatMessage> messages,
                                String prompt, int maxTokens, double temperature, double topP, long seed,
                                List<String> stop, java.util.Map<String, Object> chatTemplateKwargs, String tenantId,
                                int n, int topLogprobs, double presencePenalty, double frequencyPenalty) {

    public boolean chat() {
        return messages != null;
    }
}
