package dev.loraforge.contracts.inference;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * A generated token's log-probability (natural log, from the model's raw logits) and its most probable alternatives,
 * as OpenAI's chat {@code logprobs.content[]} entries: {@code token} its text, {@code bytes} the UTF-8 bytes it adds to
 * the text (a token may hold part of a character; then {@code token} shows U+FFFD for it).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record TokenLogprob(String token, double logprob, List<Integer> bytes, List<Alternative> topLogprobs) {

    /** One of the most probable tokens at that position, most probable first. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Alternative(String token, double logprob, List<Integer> bytes) {
    }
}
