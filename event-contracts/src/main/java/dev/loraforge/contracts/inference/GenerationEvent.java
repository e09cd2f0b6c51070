package dev.loraforge.contracts.inference;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The data of one Server-Sent Event of a streamed generation ({@code stream: true}): for each choice ({@code index}
 * 0 to n - 1, the choices' events interleaved), any number of {@code delta} events with a piece of {@code text} (and,
 * with {@code logprobs} asked for, the {@link TokenLogprob}s of the tokens that piece completes, possibly with an
 * empty text), then one {@code done} with its finish reason and token counts (the prompt's, and that choice's
 * completion tokens); or an {@code error} with {@code code} and {@code message} when generation fails midway, which
 * ends the stream (refusals come before the first event, as problem+json). Absent fields are left out.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record GenerationEvent(String type, Integer index, String text, java.util.List<TokenLogprob> logprobs,
                              String finishReason, Integer promptTokens, Integer completionTokens, String code,
                              String message) {

    public static final String DELTA = "delta";
    public static final String DONE = "done";
    public static final String ERROR = "error";

    /** A piece of choice {@code index}'s text, with its tokens' log-probabilities or null. */
    public static GenerationEvent delta(int index, String text, java.util.List<TokenLogprob> logprobs) {
        return new GenerationEvent(DELTA, index, text, logprobs, null, null, null, null, null);
    }

    /** Choice {@code index} has ended. */
    public static GenerationEvent done(int index, String finishReason, int promptTokens, int completionTokens) {
        return new GenerationEvent(DONE, index, null, null, finishReason, promptTokens, completionTokens, null, null);
    }

    public static GenerationEvent error(String code, String message) {
        return new GenerationEvent(ERROR, null, null, null, null, null, null, code, message);
    }
}
