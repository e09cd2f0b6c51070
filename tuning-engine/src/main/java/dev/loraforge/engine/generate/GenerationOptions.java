package dev.loraforge.engine.generate;

import java.util.List;

/**
 * How to generate: at most {@code maxNewTokens}; {@code temperature} 0 means greedy, otherwise
 * logits / temperature then nucleus (top-p) sampling as transformers' TemperatureLogitsWarper and
 * TopPLogitsWarper apply them, drawing from a {@link java.util.Random} seeded with {@code seed};
 * stop at any of {@code eosTokenIds} (empty: the model's own EOS ids; callers with a tokenizer pass
 * {@link StopTokens}, which add the chat template's end-of-turn token).
 */
public record GenerationOptions(int maxNewTokens, double temperature, double topP, long seed,
                                List<Integer> eosTokenIds) {

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
        eosTokenIds = List.copyOf(eosTokenIds == null ? List.of() : eosTokenIds);
    }

    /** Greedy decoding with the model's EOS ids. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 1, 0, List.of());
    }

    /** Temperature and top-p sampling from a seeded generator. */
    public GenerationOptions withSampling(double temperature, double topP, long seed) {
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, eosTokenIds);
    }

    /** Stop ids to use instead of the model's. */
    public GenerationOptions withEos(List<Integer> ids) {
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, ids);
    }

    public boolean greedyDecoding() {
        return temperature == 0;
    }
}
