package dev.loraforge.inference.service;

import dev.loraforge.contracts.inference.TokenLogprob;
import java.util.List;

/** What a generation produced: one {@link Choice} per {@code n} and the prompt's tokens. */
public record GenerationResult(List<Choice> choices, int promptTokens) {

    /**
     * One choice: the text, why it ended ({@code stop} or {@code length}), its tokens, and each token's log-probabilities
     * when they were asked for (else null).
     */
    public record Choice(int index, String text, String finishReason, int completionTokens, List<TokenLogprob> logprobs) {
    }

    /** The completion tokens of all choices. */
    public int completionTokens() {
        return choices.stream().mapToInt(Choice::completionTokens).sum();
    }
}
