package dev.loraforge.inference.service;

/** What a generation produced: the text, why it ended ({@code stop} or {@code length}) and token counts. */
public record GenerationResult(String text, String finishReason, int promptTokens, int completionTokens) {
}
