package dev.loraforge.engine.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.GradMode;
import dev.loraforge.engine.model.KvCache;
import dev.loraforge.engine.model.LlamaModel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Autoregressive decoding with a KV cache: the prompt is processed once, then one token per step.
 * The base model is loaded once; the adapter (LoRA or prefix, or none) is chosen per call, so one
 * base serves several personas without reloading. Calls may run one after another or from
 * different threads (each has its own cache and managers).
 */
public final class Generator {

    private final LlamaModel model;

    public Generator(LlamaModel model) {
        this.model = model;
    }

    public GenerationResult generate(int[] promptIds, Adapter adapterOrNull, GenerationOptions options) {
        return generate(promptIds, adapterOrNull, options, token -> { });
    }

    /** Generates, calling {@code onToken} for each new token as it is chosen (streaming). */
    public GenerationResult generate(int[] promptIds, Adapter adapterOrNull, GenerationOptions options,
                                     IntConsumer onToken) {
        return generate(promptIds, adapterOrNull, options, (token, logprobs) -> onToken.accept(token));
    }

    /** Receives each new token as it is chosen, with its log-probabilities when the options ask for them (else null). */
    @FunctionalInterface
    public interface TokenListener {
        void accept(int token, TokenLogprobs logprobsOrNull);
    }

    /** Generates, calling {@code onToken} for each new token (and its log-probabilities) as it is chosen. */
    public GenerationResult generate(int[] promptIds, Adapter adapterOrNull, GenerationOptions options,
                                     TokenListener onToken) {
        GradMode.offOnThisThread(); // no graph while generating, on any thread
        if (promptIds.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (model.isTraining()) {
            throw new IllegalStateException("the model is in training mode; call setTraining(false) before generating");
        }
        List<Integer> eos = options.eosTokenIds().isEmpty() ? model.eosTokenIds() : options.eosTokenIds();
        int prefix = adapterOrNull == null ? 0 : adapterOrNull.prefixLength();
        int room = model.config().maxPositionEmbeddings() - prefix - promptIds.length;
        if (room <= 0) {
            throw new IllegalArgumentException("the prompt (" + promptIds.length + " tokens) leaves no room under "
                    + "max_position_embeddings (" + model.config().maxPositionEmbeddings() + ")");
        }
        int budget = Math.min(options.maxNewTokens(), room);
        TokenSampler sampler = new TokenSampler(options);
        List<Integer> out = new ArrayList<>();
        try (NDManager manager = model.manager().newSubManager();
             KvCache cache = new KvCache(model.config(), manager)) {
            float[] logits = lastLogits(promptIds, adapterOrNull, cache, manager);
            while (true) {
                int next = sampler.next(logits);
                if (eos.contains(next)) {
                    return result(out, "stop");
                }
                out.add(next);
                onToken.accept(next, options.logprobs() ? TokenLogprobs.of(logits, next, options.topLogprobs()) : null);
                if (out.size() >= budget) {
                    return result(out, "length");
                }
                logits = lastLogits(new int[] {next}, adapterOrNull, cache, manager);
            }
        }
    }

    /** Runs T tokens through the model (extending the cache) and returns the last position's logits. */
    private float[] lastLogits(int[] ids, Adapter adapter, KvCache cache, NDManager parent) {
        try (NDManager step = parent.newSubManager()) {
            long[] data = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                data[i] = ids[i];
            }
            NDArray input = step.create(data, new Shape(1, ids.length));   // (1, T)
            NDArray logits = model.forward(input, null, cache, adapter);    // (1, T, V)
            return logits.get(0, ids.length - 1).toFloatArray();            // (V)
        }
    }

    private static GenerationResult result(List<Integer> tokens, String reason) {
        return new GenerationResult(tokens.stream().mapToInt(Integer::intValue).toArray(), reason);
    }
}
