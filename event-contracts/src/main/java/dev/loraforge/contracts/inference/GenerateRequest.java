package dev.loraforge.contracts.inference;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The body of {@code POST /internal/v1/generate} ({@link Generation#PATH}; snake_case JSON). The caller (job-api) has
 * already resolved the public model name to digests and checked the tenant.
 *
 * @param baseDigest    the base model's archive in artifact-store, {@code sha256:<hex>} (required)
 * @param baseModel     the base model's registry name, when known: an adapter made for another one is refused
 * @param adapterDigest the PEFT adapter's archive, or null for the base alone
 * @param messages      chat messages (roles system, user, assistant), or null when {@code prompt} is given
 * @param prompt        plain text to continue, or null when {@code messages} is given
 * @param maxTokens     most new tokens (default 256)
 * @param temperature   0 greedy, up to 2 (default 1, as OpenAI)
 * @param topP          nucleus mass in [0, 1] (default 1)
 * @param seed          sampling seed (default: a random one)
 * @param stop          up to 4 strings that end the text (not included)
 * @param stream        Server-Sent Events with the text as it is generated
 * @param chatTemplateKwargs extra chat template variables (e.g. {@code enable_thinking}), chat only, or null
 * @param n             choices to generate from the one prompt, 1 to {@link #MAX_N} (default 1); choice {@code i} samples
 *                      with {@code seed + i}
 * @param logprobs      null for no log-probabilities; else each token's and its {@code logprobs} (0 to 20) most
 *                      probable alternatives' ({@link TokenLogprob})
 * @param presencePenalty  OpenAI's presence penalty, -2 to 2 (default 0)
 * @param frequencyPenalty OpenAI's frequency penalty, -2 to 2 (default 0)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record GenerateRequest(String baseDigest, String baseModel, String adapterDigest, List<Message> messages,
                              String prompt, Integer maxTokens, Double temperature, Double topP, Long seed,
                              List<String> stop, Boolean stream, java.util.Map<String, Object> chatTemplateKwargs,
                              Integer n, Integer logprobs, Double presencePenalty, Double frequencyPenalty) {

    /** The most choices one request may ask for. */
    public static final int MAX_N = 8;
    /** The most alternatives per token. */
    public static final int MAX_TOP_LOGPROBS = 20;

    /** One chat message. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Message(String role, String content) {
    }
}
