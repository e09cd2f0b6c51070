package dev.loraforge.contracts.inference;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * inference-service's answer to a {@link GenerateRequest} without {@code stream}: the text, why it
 * ended ({@code stop}: a stop string or the end-of-sequence token; {@code length}: {@code max_tokens})
 * and the token counts. Refusals before generation are RFC 9457 problem+json with {@code code}
 * ({@code context_length_exceeded}, {@code model_not_found}, {@code busy}, ...) and {@code param}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Generation(String text, String finishReason, int promptTokens, int completionTokens) {

    /** The generation endpoint of inference-service (internal). */
    public static final String PATH = "/internal/v1/generate";
}
