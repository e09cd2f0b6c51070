package dev.loraforge.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Llama-family causal language model (transformers' LlamaForCausalLM and the families of
 * {@link Family}) on DJL: embedding (scaled by sqrt(hidden) for Gemma), decoder layers, final RMSNorm,
 * LM head (or the tied embedding, soft-capped where configured). The base weights are float32
 * and frozen. {@link #forward} keeps its result and intermediates in the manager of the input ids,
 * so a caller can free a whole step by closing that manager.
 */
public final class LlamaModel implements AutoCloseable {

    /** The batch's stacked LoRA factors (decodeStep, one decoding thread per model). */
    private LowRankStacks stacks;

    private static final String EMBED = "model.embed_tokens.weight";
    private static final String LM_HEAD = "lm_head.weight";

    private final LlamaConfig config;
    private final NDManager manager;
    private final Path directory;
    private final Map<String, NDArray> weights;
    private final Map<String, QuantizedWeight> quantized;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final VocabWeight embed;
    private final NDArray finalNorm;
    private final VocabWeight lmHead;
    private final Rope rope;
    private final Rope localRope;          // sliding layers' own table (gemma3), else null
    private final AttentionMask masks;
    private final Float embedScale;        // Gemma's sqrt(hidden_size), else null
    private final Float finalSoftcap;
    private final List<Integer> eosTokenIds;
    private volatile Adapter attached;
    private volatile boolean training;
    private volatile boolean layerwiseRecompute;

    private LlamaModel(LlamaConfig config, WeightSet weightSet, NDManager manager, Path directory,
                       List<Integer> eosTokenIds) {
        this.config = config;
        this.manager = manager;
        this.directory = directory;
        this.weights = weightSet.dense();
        this.quantized = weightSet.quantized();
        Map<String, long[]> layout = WeightLayout.of(config);
        for (String name : quantized.keySet()) {
            boolean vocab = name.equals(EMBED) || name.equals(LM_HEAD);
            if (!layout.containsKey(name) || !(WeightLayout.isProjectionWeight(name)
                    || vocab && !quantized.get(name).isQuantization())) {
                throw new IllegalArgumentException("only projection weights can be quantized (and the embedding and LM"
                        + " head held 16-bit), not '" + name + "'");
            }
        }
        for (String name : layout.keySet()) {
            if (!weights.containsKey(name) && !quantized.containsKey(name)) {
                throw new IllegalArgumentException("weight '" + name + "' is missing");
            }
        }
        this.layerwiseRecompute = !quantized.isEmpty();
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            layers.add(new DecoderLayer(l, config, weightSet));
        }
        this.embed = VocabWeight.of(weightSet, EMBED);
        this.finalNorm = RmsNorm.effectiveWeight(weights.get("model.norm.weight"), config.family());
        this.lmHead = config.tieWordEmbeddings() ? embed : VocabWeight.of(weightSet, LM_HEAD);
        this.rope = new Rope(manager, config);
        this.localRope = config.ropeLocalTheta() == null ? null
                : new Rope(manager, config.rotaryDim(), config.ropeLocalTheta(), null);
        this.embedScale = config.family().gemma() ? (float) Math.sqrt(config.hiddenSize()) : null;
        this.finalSoftcap = config.finalLogitSoftcap() == null ? null : config.finalLogitSoftcap().floatValue();
        this.masks = new AttentionMask(manager);
        this.eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Loads a Hugging Face model directory on the CPU. */
    public static LlamaModel load(Path modelDir) {
        return load(modelDir, Device.cpu());
    }

    /** Loads a Hugging Face model directory on {@code device}; weights become float32. */
    public static LlamaModel load(Path modelDir, Device device) {
        return load(modelDir, device, false);
    }

    /**
     * Loads a Hugging Face model directory on {@code device}. With {@code keepStoredPrecision} the projection
     * weights of a bf16 / fp16 checkpoint stay 16-bit in memory ({@link HalfPrecisionWeight}: half the bytes of
     * float32, widened for each matmul, layer-wise recomputation in training), as training wants; without it
     * every weight becomes float32, as token-by-token decoding wants (no widening per generated token).
     */
    public static LlamaModel load(Path modelDir, Device device, boolean keepStoredPrecision) {
        LlamaConfig config = LlamaConfig.load(modelDir);
        NDManager manager = NDManager.newBaseManager(device, "PyTorch");
        try {
            WeightSet weights = WeightLoader.load(modelDir, config, manager, keepStoredPrecision);
            List<Integer> eos = GenerationDefaults.eosTokenIds(modelDir);
            return new LlamaModel(config, weights, manager, modelDir, eos.isEmpty() ? config.eosTokenIds() : eos);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A model over arrays already in memory (HF names, checked against {@link WeightLayout}); the
     * arrays are copied as float32 into a new sub-manager of {@code parent}.
     */
    public static LlamaModel fromWeights(LlamaConfig config, Map<String, NDArray> hfWeights, NDManager parent) {
        NDManager manager = parent.newSubManager();
        Map<String, NDArray> copies = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : WeightLayout.of(config).entrySet()) {
            NDArray w = hfWeights.get(e.getKey());
            if (w == null) {
                manager.close();
                throw new IllegalArgumentException("weight '" + e.getKey() + "' is missing");
            }
            if (!java.util.Arrays.equals(w.getShape().getShape(), e.getValue())) {
                manager.close();
                throw new IllegalArgumentException("weight '" + e.getKey() + "' has shape " + w.getShape()
                        + ", expected " + java.util.Arrays.toString(e.getValue()));
            }
            NDArray copy = w.toType(DataType.FLOAT32, true);
            copy.attach(manager);
            copies.put(e.getKey(), copy);
        }
        return new LlamaModel(config, WeightSet.dense(copies), manager, null, config.eosTokenIds());
    }

    /**
     * A model over weights a loader made in {@code manager} (which the model then owns and closes),
     * some projections quantized. For loaders such as {@code quant.ModelQuantizer}.
     */
    public static LlamaModel fromWeightSet(LlamaConfig config, WeightSet weights, NDManager manager, Path directory) {
        try {
            List<Integer> eos = directory == null ? List.of() : GenerationDefaults.eosTokenIds(directory);
            return new LlamaModel(config, weights, manager, directory, eos.isEmpty() ? config.eosTokenIds() : eos);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public LlamaConfig config() {
        return config;
    }

    /** The manager that owns the base weights; make per-step sub-managers from it. */
    public NDManager manager() {
        return manager;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** The directory the model was loaded from (null for {@link #fromWeights}). */
    public Path directory() {
        return directory;
    }

    /** End-of-sequence ids (generation_config.json, else config.json). */
    public List<Integer> eosTokenIds() {
        return eosTokenIds;
    }

    /**
     * Frozen float32 weights by Hugging Face name (read only: never use them as a left operand). Weights held
     * quantized or 16-bit are not here: see {@link #quantizedWeights()}.
     */
    public Map<String, NDArray> weights() {
        return weights;
    }

    /**
     * Weights not held as float32, by Hugging Face name: quantized projections, and for a training load
     * ({@code keepStoredPrecision}) the 16-bit projections, embedding and LM head ({@link HalfPrecisionWeight},
     * {@link QuantizedWeight#isQuantization()} false). Empty for a float32 load.
     */
    public Map<String, QuantizedWeight> quantizedWeights() {
        return quantized;
    }

    public boolean isQuantized() {
        return quantized.values().stream().anyMatch(QuantizedWeight::isQuantization);
    }

    /** A float32 copy of any weight in {@code target}: the array itself dequantized, or a duplicate. */
    public NDArray denseCopy(String name, NDManager target) {
        QuantizedWeight q = quantized.get(name);
        if (q != null) {
            return q.dequantize(target);
        }
        NDArray w = weights.get(name);
        if (w == null) {
            throw new IllegalArgumentException("no weight named '" + name + "'");
        }
        return Ops.into(w.duplicate(), target);
    }

    /**
     * Whether training recomputes each decoder layer for its backward pass ({@link LayerwiseBackward}):
     * on by default for quantized models and 16-bit held ones, so that dequantized (widened) weights live
     * for one layer at a time.
     */
    public boolean layerwiseRecompute() {
        return layerwiseRecompute;
    }

    public void setLayerwiseRecompute(boolean on) {
        this.layerwiseRecompute = on;
    }

    /** Makes {@code adapter} the one used by the three-argument {@link #forward}. */
    public void attach(Adapter adapter) {
        this.attached = adapter;
    }

    /** Back to the plain base model for the three-argument {@link #forward}. */
    public void detach() {
        this.attached = null;
    }

    public Adapter attached() {
        return attached;
    }

    /** Training mode enables dropout (LoRA dropout, attention dropout); eval mode is the default. */
    public void setTraining(boolean training) {
        this.training = training;
    }

    public boolean isTraining() {
        return training;
    }

    /** Logits (B, T, V) with the attached adapter (or none). */
    public NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cacheOrNull) {
        return forward(inputIds, attentionMask, cacheOrNull, attached);
    }

    /**
     * Logits (B, T, V) float32 for {@code inputIds} (B, T) with {@code adapter} (null = base).
     *
     * @param attentionMask (B, past + T), 1 for tokens and 0 for padding, or null for all tokens
     * @param cacheOrNull keys and values of earlier tokens; extended with these ones
     */
    public NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cacheOrNull, Adapter adapter) {
        return lmHead(hiddenStates(inputIds, attentionMask, cacheOrNull, adapter));
    }

    /** The LM head: hidden (..., H) -> logits (..., V), soft-capped when final_logit_softcapping is set. */
    public NDArray lmHead(NDArray hidden) {
        NDArray logits = lmHead.linear(hidden);
        return finalSoftcap == null ? logits : Ops.softcap(logits, finalSoftcap);
    }

    /** The LM head's weight (V, H), frozen, float32 or 16-bit: the embedding for tied models. */
    public VocabWeight lmHeadWeight() {
        return lmHead;
    }

    /** Final-norm hidden states (B, T, H), the LM head's input. */
    public NDArray hiddenStates(NDArray inputIds, NDArray attentionMask, KvCache cache, Adapter adapter) {
        NDManager m = inputIds.getManager();
        long[] shape = inputIds.getShape().getShape();
        if (shape.length != 2) {
            throw new IllegalArgumentException("inputIds must be (batch, tokens), got " + inputIds.getShape());
        }
        int t = Math.toIntExact(shape[1]);
        if (t == 0) {
            throw new IllegalArgumentException("inputIds has no tokens");
        }
        if (cache != null && training) {
            throw new IllegalStateException("a KvCache is for inference; call setTraining(false) first");
        }
        int prefix = adapter == null ? 0 : adapter.prefixLength();
        boolean prefixFromAdapter = prefix > 0 && (cache == null || cache.isEmpty());
        if (cache != null) {
            cache.bind(adapter, prefix);
        }
        int past = cache == null ? 0 : cache.length();
        checkLength(prefix + past + t);
        if (attentionMask != null && !attentionMask.getShape().equals(new ai.djl.ndarray.types.Shape(shape[0], past + t))) {
            throw new IllegalArgumentException("attentionMask must be (batch, past + tokens) = (" + shape[0] + ", "
                    + (past + t) + "), got " + attentionMask.getShape());
        }
        NDArray ids = inputIds.getDataType() == DataType.INT64 ? inputIds : inputIds.toType(DataType.INT64, false);
        checkIds(ids);

        ForwardContext ctx = context(adapter, cache, prefix, past, t, attentionMask, prefixFromAdapter, m);

        NDArray x = embed(ids);                                                             // (B, T, H)
        for (DecoderLayer layer : layers) {
            x = layer.forward(x, ctx);                                                      // (B, T, H)
        }
        if (cache != null) {
            cache.advance(t);
        }
        return finalNorm(x);                                                                // (B, T, H)
    }

    /**
     * One decoding step of several sequences at once (continuous batching): row i's next token {@code ids[i]} follows
     * the tokens already in {@code caches.get(i)} (each sequence's own cache, filled by its own prefill through
     * {@link #forward(NDArray, NDArray, KvCache, Adapter)} with the same adapter), decoded with {@code rowAdapters[i]}
     * (null: the base alone). Sequences may have any lengths and join or leave between steps; each row sees exactly
     * what it would see decoded alone (its own positions, keys and adapter). The caches each grow by one token.
     *
     * @param ids (B, 1) token ids
     * @return logits (B, 1, V) in the ids' manager
     */
    public NDArray decodeStep(NDArray ids, List<KvCache> caches, Adapter[] rowAdapters) {
        long[] shape = ids.getShape().getShape();
        if (shape.length != 2 || shape[1] != 1 || shape[0] != caches.size() || rowAdapters.length != caches.size()) {
            throw new IllegalArgumentException("decodeStep takes (B, 1) ids with one cache and one adapter slot per row;"
                    + " got ids " + ids.getShape() + ", " + caches.size() + " caches, " + rowAdapters.length + " adapters");
        }
        for (int i = 0; i < caches.size(); i++) {
            if (caches.get(i).isEmpty()) {
                throw new IllegalArgumentException("row " + i + "'s cache is empty: prefill its prompt first");
            }
        }
        int[] one = new int[caches.size()];
        java.util.Arrays.fill(one, 1);
        return stepRows(ids, one, caches, rowAdapters);
    }

    /**
     * Several prompts prefilled in one forward (the joining requests of a batch): row i's prompt is the last
     * {@code lengths[i]} ids of its row of {@code ids} (left-padded to the longest with any valid id), its keys and
     * values go into {@code caches.get(i)} (empty, then bound to {@code rowAdapters[i]}), exactly as a forward of that
     * prompt alone would put them.
     *
     * @param ids (B, T) left-padded prompts
     * @return the logits (B, 1, V) of each prompt's last token
     */
    public NDArray prefillRows(NDArray ids, int[] lengths, List<KvCache> caches, Adapter[] rowAdapters) {
        long[] shape = ids.getShape().getShape();
        if (shape.length != 2 || shape[0] != caches.size() || lengths.length != caches.size()
                || rowAdapters.length != caches.size()) {
            throw new IllegalArgumentException("prefillRows takes (B, T) ids with one length, cache and adapter slot per"
                    + " row; got ids " + ids.getShape() + ", " + lengths.length + " lengths, " + caches.size()
                    + " caches, " + rowAdapters.length + " adapters");
        }
        for (int i = 0; i < caches.size(); i++) {
            if (!caches.get(i).isEmpty()) {
                throw new IllegalArgumentException("row " + i + "'s cache already holds tokens: prefill starts empty");
            }
            if (lengths[i] < 1 || lengths[i] > shape[1]) {
                throw new IllegalArgumentException("row " + i + "'s prompt length " + lengths[i] + " is not in [1, "
                        + shape[1] + "]");
            }
        }
        return stepRows(ids, lengths, caches, rowAdapters);
    }

    /**
     * One forward of several sequences, each with its own cache and adapter: row i adds its last {@code newTokens[i]}
     * ids of the (B, T) left-padded {@code ids} after the {@code caches.get(i).length()} tokens it holds. Keys are
     * left-padded to the longest row (padding masked), RoPE runs at each row's own positions; the logits of each
     * row's last token come back (B, 1, V).
     */
    private NDArray stepRows(NDArray ids, int[] newTokens, List<KvCache> caches, Adapter[] rowAdapters) {
        if (training) {
            throw new IllegalStateException("decoding is for inference; call setTraining(false) first");
        }
        NDManager m = ids.getManager();
        NDArray tokens = ids.getDataType() == DataType.INT64 ? ids : ids.toType(DataType.INT64, false);
        checkIds(tokens);
        int b = caches.size();
        int t = Math.toIntExact(tokens.getShape().get(1));
        for (int i = 0; i < b; i++) {
            caches.get(i).bind(rowAdapters[i], 0); // the adapter it was filled with (a prefix adapter is refused below)
        }
        BatchKv batch = new BatchKv(caches, newTokens, t, m);
        int[] lengths = batch.lengths();
        long[] positions = new long[b * t];
        int end = 0;
        for (int i = 0; i < b; i++) {
            for (int j = t - newTokens[i]; j < t; j++) {
                positions[i * t + j] = lengths[i] + (j - (t - newTokens[i]));
            }
            end = Math.max(end, lengths[i] + newTokens[i]);
        }
        checkLength(end);
        NDArray pos = m.create(positions, new ai.djl.ndarray.types.Shape(b, t));
        RowAdapters rows = new RowAdapters(rowAdapters, m);
        Adapter adapter = rows.none() ? null : rows.single() != null ? rows.single() : rows;
        if (adapter == rows && !rows.lowRankAdapters().isEmpty()) {
            rows.use(lowRankStacks(rows.lowRankAdapters()), rowAdapters);
        }
        NDArray padding = batch.padding();
        int past = batch.width() - t;
        NDList fullRope = rope.tablesAt(pos, end, m);
        NDList slidingRope = localRope == null ? null : localRope.tablesAt(pos, end, m);
        NDArray fullMask = masks.build(0, past, t, padding, m);
        NDArray slidingMask = config.hasSlidingLayers() ? masks.build(0, past, t, padding, m, config.slidingWindow()) : null;
        ForwardContext ctx = new ForwardContext(adapter, false, null, fullRope, slidingRope, fullMask, slidingMask, 0,
                false, m, batch);
        NDArray x = embed(tokens);                                                          // (B, T, H)
        for (DecoderLayer layer : layers) {
            x = layer.forward(x, ctx);                                                      // (B, T, H)
        }
        batch.advance();
        NDArray last = t == 1 ? x : x.get(new ai.djl.ndarray.index.NDIndex(":, {}:", t - 1));   // (B, 1, H)
        return lmHead(finalNorm(last));                                                     // (B, 1, V)
    }

    /** The stacked factors of exactly these adapters: kept while the batch's adapters stay the same. */
    private synchronized LowRankStacks lowRankStacks(List<Adapter> adapters) {
        java.util.Set<Adapter> set = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        set.addAll(adapters);
        if (stacks == null || !stacks.holds(set)) {
            if (stacks != null) {
                stacks.close();
            }
            stacks = new LowRankStacks(adapters, manager);
        }
        return stacks;
    }

    /**
     * Final-norm hidden states (B, T, H) of packed rows (training): several examples per row,
     * {@code positions} (B, T) restarting at 0 for each and {@code segments} (B, T) numbering them (1, 2, ...;
     * 0 = padding), so that RoPE and attention see each example as if it were alone (see {@code data.Batch.packed}).
     * No KV cache; a prefix-tuning adapter cannot be packed (its learned positions precede one example).
     */
    public NDArray hiddenStatesPacked(NDArray inputIds, NDArray positions, NDArray segments, Adapter adapter) {
        NDArray ids = inputIds.getDataType() == DataType.INT64 ? inputIds : inputIds.toType(DataType.INT64, false);
        ForwardContext ctx = packedContext(ids, positions, segments, adapter);
        NDArray x = embed(ids);                                                             // (B, T, H)
        for (DecoderLayer layer : layers) {
            x = layer.forward(x, ctx);                                                      // (B, T, H)
        }
        return finalNorm(x);                                                                // (B, T, H)
    }

    /** The context of a packed training forward (for {@link #hiddenStatesPacked} and {@link LayerwiseBackward}). */
    ForwardContext packedContext(NDArray ids, NDArray positions, NDArray segments, Adapter adapter) {
        long[] shape = ids.getShape().getShape();
        if (shape.length != 2 || shape[1] == 0) {
            throw new IllegalArgumentException("inputIds must be (batch, tokens) with tokens, got " + ids.getShape());
        }
        if (!positions.getShape().equals(ids.getShape()) || !segments.getShape().equals(ids.getShape())) {
            throw new IllegalArgumentException("positions " + positions.getShape() + " and segments "
                    + segments.getShape() + " must have the shape of the ids " + ids.getShape());
        }
        if (adapter != null && adapter.prefixLength() > 0) {
            throw new IllegalArgumentException("packing cannot be used with prefix tuning: the learned prefix "
                    + "precedes one sequence; train without packing");
        }
        int end = Math.toIntExact(positions.max().getLong()) + 1;
        checkLength(end);
        checkIds(ids);
        NDManager m = ids.getManager();
        NDArray pos = positions.getDataType() == DataType.INT64 ? positions : positions.toType(DataType.INT64, false);
        NDList fullRope = rope.tablesAt(pos, end, m);
        NDList slidingRope = localRope == null ? null : localRope.tablesAt(pos, end, m);
        NDArray fullMask = masks.packed(segments, m, null);
        NDArray slidingMask = config.hasSlidingLayers() ? masks.packed(segments, m, config.slidingWindow()) : null;
        return new ForwardContext(adapter, training, null, fullRope, slidingRope, fullMask, slidingMask, 0, false, m);
    }

    /** The context of a training forward without cache (for {@link LayerwiseBackward}); ids (B, T) int64. */
    ForwardContext trainingContext(NDArray ids, NDArray attentionMask, Adapter adapter) {
        long[] shape = ids.getShape().getShape();
        int t = Math.toIntExact(shape[1]);
        int prefix = adapter == null ? 0 : adapter.prefixLength();
        checkLength(prefix + t);
        if (attentionMask != null && !attentionMask.getShape().equals(ids.getShape())) {
            throw new IllegalArgumentException("attentionMask must be (batch, tokens) = " + ids.getShape() + ", got "
                    + attentionMask.getShape());
        }
        checkIds(ids);
        return context(adapter, null, prefix, 0, t, attentionMask, prefix > 0, ids.getManager());
    }

    /** RoPE tables and masks for T tokens after {@code prefix} learned and {@code past} cached positions. */
    private ForwardContext context(Adapter adapter, KvCache cache, int prefix, int past, int t, NDArray attentionMask,
                                   boolean prefixFromAdapter, NDManager m) {
        NDList fullRope = rope.tables(prefix + past, t, m);
        NDList slidingRope = localRope == null ? null : localRope.tables(prefix + past, t, m);
        NDArray fullMask = masks.build(prefix, past, t, attentionMask, m);
        NDArray slidingMask = config.hasSlidingLayers()
                ? masks.build(prefix, past, t, attentionMask, m, config.slidingWindow()) : null;
        return new ForwardContext(adapter, training, cache, fullRope, slidingRope, fullMask, slidingMask, prefix,
                prefixFromAdapter, m);
    }

    /** Token embeddings: ids (B, T) int64 -> (B, T, H), in the ids' manager (times sqrt(hidden) for Gemma). */
    NDArray embed(NDArray ids) {
        NDArray x = embed.rows(ids);
        return embedScale == null ? x : Ops.mul(x, embedScale);
    }

    List<DecoderLayer> layers() {
        return layers;
    }

    /** The final RMSNorm (x·(1+w) for Gemma): (B, T, H) -> (B, T, H). */
    NDArray finalNorm(NDArray x) {
        return RmsNorm.apply(x, finalNorm, config.rmsNormEps());
    }

    private void checkLength(int total) {
        if (total > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence of " + total + " positions exceeds max_position_embeddings ("
                    + config.maxPositionEmbeddings() + ")");
        }
    }

    private void checkIds(NDArray ids) {
        long min = ids.min().getLong();
        long max = ids.max().getLong();
        if (min < 0 || max >= config.vocabSize()) {
            throw new IllegalArgumentException("token ids must be in [0, " + config.vocabSize() + "), got range ["
                    + min + ", " + max + "]");
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
