package dev.loraforge.engine.generate;

/**
 * What {@link Generator} produced.
 *
 * @param tokens the new token ids (the EOS that stopped generation is not included)
 * @param finishReason "stop" when an EOS id was produced, "length" when the budget ran out
 *     (OpenAI's finish_reason values)
 */
public record GenerationResult(int[] tokens, String finishReason) {

    public GenerationResult {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
