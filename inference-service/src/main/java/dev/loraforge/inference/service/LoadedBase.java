package dev.loraforge.inference.service;

import dev.loraforge.engine.data.ChatTemplate;
import dev.loraforge.engine.generate.Generator;
import dev.loraforge.engine.generate.StopTokens;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import java.util.List;

/**
 * One base model in memory: the frozen weights (loaded once per digest), its tokenizer and chat
 * template, and the generator every adapter of this base decodes with. {@code onClose} drops the
 * adapters loaded against it (they live in sub-managers of the model's manager).
 */
public final class LoadedBase implements AutoCloseable {

    private final String digest;
    private final LlamaModel model;
    private final ModelTokenizer tokenizer;
    private final ChatTemplate template;
    private final Generator generator;
    private final List<Integer> eosIds;
    private final String instance;
    private final Runnable onClose;
    private final dev.loraforge.engine.generate.BatchingGenerator.Limits batchLimits;
    private dev.loraforge.engine.generate.BatchingGenerator batcher;

    LoadedBase(String digest, String instance, LlamaModel model, ModelTokenizer tokenizer, Runnable onClose) {
        this(digest, instance, model, tokenizer, onClose, null);
    }

    /** @param batchLimits the continuous batching limits of this base, null without batching */
    LoadedBase(String digest, String instance, LlamaModel model, ModelTokenizer tokenizer, Runnable onClose,
               dev.loraforge.engine.generate.BatchingGenerator.Limits batchLimits) {
        this.batchLimits = batchLimits;
        this.digest = digest;
        this.instance = instance;
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = ChatTemplate.forTokenizer(tokenizer);
        this.generator = new Generator(model);
        this.eosIds = StopTokens.of(model, tokenizer);
        this.onClose = onClose;
    }

    public String digest() {
        return digest;
    }

    /**
     * This load of the base ("digest#n"): adapters are cached per load, because they live in
     * sub-managers of this model instance and go with it.
     */
    public String instance() {
        return instance;
    }

    public LlamaModel model() {
        return model;
    }

    public ModelTokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate template() {
        return template;
    }

    public Generator generator() {
        return generator;
    }

    /**
     * The continuous batcher of this base (its decoding thread starts on first use), or null when batching is off.
     */
    public synchronized dev.loraforge.engine.generate.BatchingGenerator batcher() {
        if (batchLimits == null) {
            return null;
        }
        if (batcher == null) {
            batcher = new dev.loraforge.engine.generate.BatchingGenerator(model, batchLimits, "batch-" + instance);
        }
        return batcher;
    }

    /** The ids generation stops on: EOS ids and the chat template's end-of-turn token ({@link StopTokens}). */
    public List<Integer> eosIds() {
        return eosIds;
    }

    /** e.g. "llama, hidden 64, 2 layers, 4 heads / 2 kv heads, vocab 4096". */
    public String describe() {
        LlamaConfig c = model.config();
        return c.modelType() + ", hidden " + c.hiddenSize() + ", " + c.numHiddenLayers() + " layers, "
                + c.numAttentionHeads() + " heads / " + c.numKeyValueHeads() + " kv heads, vocab " + c.vocabSize()
                + (model.isQuantized() ? ", quantized" : "");
    }

    @Override
    public void close() {
        synchronized (this) {
            if (batcher != null) {
                batcher.close(); // its requests end (the base is only closed when no lease holds it)
            }
        }
        try {
            onClose.run();
        } finally {
            tokenizer.close();
            model.close();
        }
    }
}
