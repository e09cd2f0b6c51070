package dev.loraforge.engine.generate;

import java.util.List;

/**
 * How to generate: at most {@code maxNewTokens}; {@code temperature} 0 means greedy, otherwise
 * logits / temperature then nucleus (top-p) sampling as transformers' TemperatureLogitsWarper and
 * TopPLogitsWarper apply them, drawing from a {@link java.util.Random} seeded with {@code seed};
 * stop at any of {@code eosTokenIds} (empty: the model's own EOS ids; callers with a tokenizer pass
 * {@link StopTokens}, which add the chat template's end-of-turn token).
 *
 * <p>{@code presencePenalty} and {@code frequencyPenalty} (-2 to 2, OpenAI's and vLLM's rule): before a token is
 * chosen, each token already generated {@code c} times has its logit lowered by {@code c * frequencyPenalty +
 * presencePenalty} (the prompt does not count). {@code topLogprobs}: -1 for no log-probabilities, else the chosen
 * token's log-probability and the {@code topLogprobs} most probable ones are reported with each token
 * ({@link TokenLogprobs}, from the model's raw logits, as vLLM reports them by default).
 */
public record GenerationOptions(int maxNewTokens, double temperature, double topP, long seed,
                                List<Integer> eosTokenIds, double presencePenalty, double frequencyPenalty,
                                int topLogprobs) {

    /** The most alternatives reported per token (OpenAI's top_logprobs limit). */
    public static final int MAX_TOP_LOGPROBS = 20;

    public GenerationOptions {
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("max_new_tokens must be > 0, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0 (0 = greedy), got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (!(presencePenalty >= -2 && presencePenalty <= 2) || !(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
            throw new IllegalArgumentException("presence and frequency penalties must be in [-2, 2], got "
                    + presencePenalty + " and " + frequencyPenalty);
        }
        if (topLogprobs < -1 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw new IllegalArgumentException("top_logprobs must be -1 (none) or 0 to " + MAX_TOP_LOGPROBS + ", got "
                    + topLogprobs);
        }
        eosTokenIds = List.copyOf(eosTokenIds == null ? List.of() : eosTokenIds);
    }

    /** Without penalties or log-probabilities. */
    public GenerationOptions(int maxNewTokens, double temperature, double topP, long seed, List<Integer> eosTokenIds) {
        this(maxNewTokens, temperature, topP, seed, eosTokenIds, 0, 0, -1);
    }

    /** Greedy decoding with the model's EOS ids. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 1, 0, List.of());
    }

    /** Temperature and top-p sampling from a seeded generator. */
    public GenerationOptions withSampling(double temperature, double topP, long seed) {
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, eosTokenIds, presencePenalty,
                frequencyPenalty, topLogprobs);
    }

    /** Stop ids to use instead of the model's. */
    public GenerationOptions withEos(List<Integer> ids) {
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, ids, presencePenalty, frequencyPenalty,
                topLogprobs);
    }

    /** OpenAI's presence and frequency penalties. */
    public GenerationOptions withPenalties(double presence, double frequency) {
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, eosTokenIds, presence, frequency, topLogprobs);
    }

    /** Report each token's log-probability and its {@code top} most probable alternatives (-1: none). */
    public GenerationOptions withLogprobs(int top) {
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, eosTokenIds, presencePenalty,
                frequencyPenalty, top);
    }

    /** The same settings drawing from another seed (the n choices of one request). */
    public GenerationOptions withSeed(long seed) {
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, eosTokenIds, presencePenalty,
                frequencyPenalty, topLogprobs);
    }

    public boolean greedyDecoding() {
        return temperature == 0;
    }

    public boolean penalized() {
        return presencePenalty != 0 || frequencyPenalty != 0;
    }

    public boolean logprobs() {
        return topLogprobs >= 0;
    }
}
