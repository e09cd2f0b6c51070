package dev.loraforge.contracts.inference;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * inference-service's answer to a {@link GenerateRequest} without {@code stream}: one {@link Choice} per {@code n}, the
 * prompt's tokens (counted once) and the completion tokens of all choices together. Refusals before generation are
 * RFC 9457 problem+json with {@code code} ({@code context_length_exceeded}, {@code model_not_found}, {@code busy},
 * {@code overloaded}, ...) and {@code param}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Generation(List<Choice> choices, int promptTokens, int completionTokens) {

    /** The generation endpoint of inference-service (internal). */
    public static final String PATH = "/internal/v1/generate";

    /**
     * One choice: its text, why it ended ({@code stop}: a stop string or the end-of-sequence token; {@code length}:
     * {@code max_tokens}), its tokens, and with {@code logprobs} asked for, one {@link TokenLogprob} per token (left out
     * otherwise).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Choice(int index, String text, String finishReason, int completionTokens, List<TokenLogprob> logprobs) {
    }
}
