package dev.loraforge.contracts.inference;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The data of one Server-Sent Event of a streamed generation ({@code stream: true}): any number of
 * {@code delta} events with a piece of {@code text}, then one {@code done} with the finish reason and
 * token counts, or an {@code error} with {@code code} and {@code message} when generation fails
 * midway (refusals come before the first event, as problem+json). Absent fields are left out.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record GenerationEvent(String type, String text, String finishReason, Integer promptTokens,
                              Integer completionTokens, String code, String message) {

    public static final String DELTA = "delta";
    public static final String DONE = "done";
    public static final String ERROR = "error";

    public static GenerationEvent delta(String text) {
        return new GenerationEvent(DELTA, text, null, null, null, null, null);
    }

    public static GenerationEvent done(String finishReason, int promptTokens, int completionTokens) {
        return new GenerationEvent(DONE, null, finishReason, promptTokens, completionTokens, null, null);
    }

    public static GenerationEvent error(String code, String message) {
        return new GenerationEvent(ERROR, null, null, null, null, code, message);
    }
}
