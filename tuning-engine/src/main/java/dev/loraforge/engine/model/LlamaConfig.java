package dev.loraforge.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A Llama-family architecture read from (and written as) Hugging Face {@code config.json}: the
 * model types of {@link Family} (llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3). Every check
 * lives in the compact constructor and names the config.json field it concerns.
 *
 * @param modelType model_type, one of {@link Family#modelTypes()}
 * @param vocabSize vocab_size
 * @param hiddenSize hidden_size
 * @param intermediateSize intermediate_size (SwiGLU width)
 * @param numHiddenLayers num_hidden_layers
 * @param numAttentionHeads num_attention_heads
 * @param numKeyValueHeads num_key_value_heads (GQA; equal to the heads for standard attention)
 * @param headDim head_dim (defaults to hidden_size / num_attention_heads)
 * @param maxPositionEmbeddings max_position_embeddings
 * @param rmsNormEps rms_norm_eps
 * @param ropeTheta rope_theta
 * @param ropeScaling rope_scaling, null for none
 * @param tieWordEmbeddings tie_word_embeddings: the LM head reuses the embedding matrix
 * @param qkvBias q/k/v projections have biases (llama attention_bias; always for qwen2)
 * @param oBias o_proj has a bias (llama attention_bias)
 * @param mlpBias gate/up/down projections have biases (llama mlp_bias)
 * @param slidingWindow sliding_window: how many positions a sliding-attention layer sees (itself included),
 *     null when no layer slides
 * @param attentionDropout attention_dropout (applied only in training)
 * @param torchDtype torch_dtype of the stored weights: float32, float16 or bfloat16
 * @param bosTokenId bos_token_id, may be null
 * @param eosTokenIds eos_token_id (one id or a list), may be empty
 * @param padTokenId pad_token_id, may be null
 * @param initializerRange initializer_range (std of the random init)
 * @param hiddenAct hidden_act / hidden_activation: silu (SwiGLU) or gelu_pytorch_tanh (GeGLU, Gemma)
 * @param queryPreAttnScalar query_pre_attn_scalar: scores are scaled by its inverse square root instead of
 *     head_dim's (Gemma), null for head_dim
 * @param layerTypes layer_types: "full_attention" or "sliding_attention" per layer
 * @param ropeLocalTheta rope_local_base_freq: RoPE base of sliding layers (Gemma 3, which leaves them unscaled),
 *     null when every layer uses rope_theta and rope_scaling
 * @param attnLogitSoftcap attn_logit_softcapping: scores become cap·tanh(scores/cap), null for none
 * @param finalLogitSoftcap final_logit_softcapping: logits become cap·tanh(logits/cap), null for none
 * @param partialRotaryFactor partial_rotary_factor: the share of each head's dimensions that RoPE rotates
 */
public record LlamaConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize,
                          int numHiddenLayers, int numAttentionHeads, int numKeyValueHeads, int headDim,
                          int maxPositionEmbeddings, double rmsNormEps, double ropeTheta, RopeScaling ropeScaling,
                          boolean tieWordEmbeddings, boolean qkvBias, boolean oBias, boolean mlpBias,
                          Integer slidingWindow, double attentionDropout, String torchDtype, Integer bosTokenId,
                          List<Integer> eosTokenIds, Integer padTokenId, double initializerRange, String hiddenAct,
                          Double queryPreAttnScalar, List<String> layerTypes, Double ropeLocalTheta,
                          Double attnLogitSoftcap, Double finalLogitSoftcap, double partialRotaryFactor) {

    /** Architectures this engine implements. */
    public static final Set<String> MODEL_TYPES = Set.copyOf(Family.modelTypes());
    public static final String FULL_ATTENTION = "full_attention";
    public static final String SLIDING_ATTENTION = "sliding_attention";
    private static final Set<String> DTYPES = Set.of("float32", "float16", "bfloat16");
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public LlamaConfig {
        Family family = Family.of(modelType);
        positive("vocab_size", vocabSize);
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", numHiddenLayers);
        positive("num_attention_heads", numAttentionHeads);
        positive("num_key_value_heads", numKeyValueHeads);
        positive("head_dim", headDim);
        positive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if (!(rmsNormEps > 0)) {
            throw new IllegalArgumentException("rms_norm_eps must be > 0, got " + rmsNormEps);
        }
        if (!(ropeTheta > 0)) {
            throw new IllegalArgumentException("rope_theta must be > 0, got " + ropeTheta);
        }
        if (modelType.equals("qwen2") && (!qkvBias || oBias)) {
            throw new IllegalArgumentException("qwen2 has q/k/v biases and no o_proj bias (attention_bias does not apply)");
        }
        if (!modelType.equals("llama") && mlpBias) {
            throw new IllegalArgumentException("mlp_bias is only defined for model_type llama");
        }
        if (family.fusedProjections() && (qkvBias || oBias)) {
            throw new IllegalArgumentException("phi3 projections have no biases");
        }
        if (slidingWindow != null && slidingWindow <= 0) {
            throw new IllegalArgumentException("sliding_window must be > 0 or null, got " + slidingWindow);
        }
        String expectedAct = family.gemma() ? "gelu_pytorch_tanh" : "silu";
        if (hiddenAct == null) {
            hiddenAct = expectedAct;
        }
        if (!hiddenAct.equals(expectedAct)) {
            throw new IllegalArgumentException((family.gemma() ? "hidden_activation" : "hidden_act") + " '" + hiddenAct
                    + "' is not supported for " + modelType + "; only " + expectedAct);
        }
        if (queryPreAttnScalar != null && !(queryPreAttnScalar > 0)) {
            throw new IllegalArgumentException("query_pre_attn_scalar must be > 0, got " + queryPreAttnScalar);
        }
        if (queryPreAttnScalar != null && !family.gemma()) {
            throw new IllegalArgumentException("query_pre_attn_scalar is only defined for gemma2 and gemma3_text");
        }
        layerTypes = layerTypes == null ? defaultLayerTypes(family, numHiddenLayers, slidingWindow) : List.copyOf(layerTypes);
        if (layerTypes.size() != numHiddenLayers) {
            throw new IllegalArgumentException("layer_types has " + layerTypes.size() + " entries but num_hidden_layers is "
                    + numHiddenLayers);
        }
        for (String t : layerTypes) {
            if (!t.equals(FULL_ATTENTION) && !t.equals(SLIDING_ATTENTION)) {
                throw new IllegalArgumentException("layer_types entry '" + t + "' is not supported; use " + FULL_ATTENTION
                        + " or " + SLIDING_ATTENTION);
            }
        }
        if (layerTypes.contains(SLIDING_ATTENTION) && slidingWindow == null) {
            throw new IllegalArgumentException("layer_types has sliding_attention layers but sliding_window is not set");
        }
        if (ropeLocalTheta != null && (family != Family.GEMMA3_TEXT || !(ropeLocalTheta > 0))) {
            throw new IllegalArgumentException("rope_local_base_freq must be > 0 and is only defined for gemma3_text, got "
                    + ropeLocalTheta);
        }
        if (attnLogitSoftcap != null && !(attnLogitSoftcap > 0)) {
            throw new IllegalArgumentException("attn_logit_softcapping must be > 0 or null, got " + attnLogitSoftcap);
        }
        if (finalLogitSoftcap != null && !(finalLogitSoftcap > 0)) {
            throw new IllegalArgumentException("final_logit_softcapping must be > 0 or null, got " + finalLogitSoftcap);
        }
        if (!(partialRotaryFactor > 0 && partialRotaryFactor <= 1)) {
            throw new IllegalArgumentException("partial_rotary_factor must be in (0, 1], got " + partialRotaryFactor);
        }
        int rotary = (int) (headDim * partialRotaryFactor);
        if (rotary < 2 || rotary % 2 != 0) {
            throw new IllegalArgumentException("partial_rotary_factor " + partialRotaryFactor + " gives " + rotary
                    + " rotary dimensions of head_dim " + headDim + "; it must give an even number >= 2");
        }
        if (!(attentionDropout >= 0 && attentionDropout < 1)) {
            throw new IllegalArgumentException("attention_dropout must be in [0, 1), got " + attentionDropout);
        }
        if (!DTYPES.contains(torchDtype)) {
            throw new IllegalArgumentException("torch_dtype '" + torchDtype + "' is not supported; supported: "
                    + DTYPES.stream().sorted().toList());
        }
        eosTokenIds = List.copyOf(eosTokenIds == null ? List.of() : eosTokenIds);
        for (int id : eosTokenIds) {
            tokenId("eos_token_id", id, vocabSize);
        }
        if (bosTokenId != null) {
            tokenId("bos_token_id", bosTokenId, vocabSize);
        }
        if (padTokenId != null) {
            tokenId("pad_token_id", padTokenId, vocabSize);
        }
        if (!(initializerRange > 0)) {
            throw new IllegalArgumentException("initializer_range must be > 0, got " + initializerRange);
        }
    }

    private static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be a positive integer, got " + value);
        }
    }

    private static void tokenId(String field, int id, int vocab) {
        if (id < 0 || id >= vocab) {
            throw new IllegalArgumentException(field + " " + id + " is outside the vocabulary [0, " + vocab + ")");
        }
    }

    /**
     * transformers' default layer_types: Gemma 2 alternates sliding and full layers, Gemma 3 has five sliding
     * layers per full one; mistral and phi3 slide on every layer when sliding_window is set; others never slide.
     */
    static List<String> defaultLayerTypes(Family family, int layers, Integer slidingWindow) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < layers; i++) {
            boolean sliding = switch (family) {
                case GEMMA2 -> (i + 1) % 2 != 0;
                case GEMMA3_TEXT -> (i + 1) % 6 != 0;
                case MISTRAL, PHI3 -> slidingWindow != null;
                default -> false;
            };
            out.add(sliding ? SLIDING_ATTENTION : FULL_ATTENTION);
        }
        return out;
    }

    /** The family's named differences. */
    public Family family() {
        return Family.of(modelType);
    }

    /** Whether layer {@code layer} uses sliding-window attention. */
    public boolean isSlidingLayer(int layer) {
        return SLIDING_ATTENTION.equals(layerTypes.get(layer));
    }

    /** Whether any layer slides. */
    public boolean hasSlidingLayers() {
        return layerTypes.contains(SLIDING_ATTENTION);
    }

    /** The factor applied to attention scores: query_pre_attn_scalar^-1/2, else head_dim^-1/2. */
    public double attentionScale() {
        return 1.0 / Math.sqrt(queryPreAttnScalar != null ? queryPreAttnScalar : headDim);
    }

    /** How many dimensions of each head RoPE rotates (head_dim unless partial_rotary_factor < 1). */
    public int rotaryDim() {
        return (int) (headDim * partialRotaryFactor);
    }

    /** The projection modules of each layer. */
    public List<String> projections() {
        return family().projections();
    }

    /**
     * What of its family this configuration uses, in words (for {@code tune inspect}): the named differences
     * from Llama that the forward pass applies.
     */
    public List<String> features() {
        Family family = family();
        List<String> out = new java.util.ArrayList<>();
        out.add(numKeyValueHeads == numAttentionHeads ? "multi-head attention"
                : "grouped-query attention (" + kvGroups() + " query heads per key/value head)");
        if (family.fusedProjections()) {
            out.add("fused qkv_proj (q, k, v rows) and gate_up_proj (gate, up rows)");
        }
        if (qkvBias || oBias || mlpBias) {
            out.add("biases on " + (qkvBias ? "q/k/v " : "") + (oBias ? "o " : "") + (mlpBias ? "mlp" : "").trim());
        }
        if (family.qkNorm()) {
            out.add("per-head RMSNorm q_norm/k_norm before RoPE");
        }
        if (family.gemma()) {
            out.add("embeddings scaled by sqrt(hidden_size)");
            out.add("RMSNorm as x*(1+w), four norms per layer");
            out.add("attention scale query_pre_attn_scalar^-1/2 = " + attentionScale());
        }
        out.add((family.gemma() ? "GeGLU (" : "SwiGLU (") + hiddenAct + ")");
        out.add("RoPE theta " + ropeTheta + (ropeScaling == null ? "" : ", rope_scaling " + ropeScaling.type() + " x"
                + ropeScaling.factor()) + (partialRotaryFactor < 1 ? ", rotating " + rotaryDim() + " of " + headDim
                + " dimensions" : ""));
        if (hasSlidingLayers()) {
            long sliding = layerTypes.stream().filter(SLIDING_ATTENTION::equals).count();
            out.add("sliding window " + slidingWindow + " on " + sliding + " of " + numHiddenLayers + " layers"
                    + (ropeLocalTheta == null ? "" : " (RoPE theta " + ropeLocalTheta + " there, unscaled)"));
        }
        if (attnLogitSoftcap != null) {
            out.add("attention logits soft-capped at " + attnLogitSoftcap);
        }
        if (finalLogitSoftcap != null) {
            out.add("final logits soft-capped at " + finalLogitSoftcap);
        }
        out.add(tieWordEmbeddings ? "LM head tied to the embeddings" : "separate LM head");
        return out;
    }

    /** Query heads per key/value head (1 without GQA). */
    public int kvGroups() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** Number of weights in the model (the LM head counted once when tied). */
    public long parameterCount() {
        long h = hiddenSize;
        long q = (long) numAttentionHeads * headDim;
        long kv = (long) numKeyValueHeads * headDim;
        long attn = h * q + 2 * h * kv + q * h + (qkvBias ? q + 2 * kv : 0) + (oBias ? h : 0);
        long mlp = 3 * h * intermediateSize + (mlpBias ? 2L * intermediateSize + h : 0);
        long norms = (family().gemma() ? 4 : 2) * h + (family().qkNorm() ? 2L * headDim : 0);
        long layer = attn + mlp + norms;
        long embed = (long) vocabSize * h;
        return embed + numHiddenLayers * layer + h + (tieWordEmbeddings ? 0 : embed);
    }

    /** Reads {@code modelDir/config.json}. */
    public static LlamaConfig load(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no config.json in " + modelDir + " (is it a Hugging Face model directory?)");
        }
        try {
            return fromJson(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Parses config.json text; {@code source} prefixes error messages. */
    public static LlamaConfig fromJson(String json, String source) {
        try {
            return ConfigJson.parse(JSON.readTree(json));
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** config.json text with Hugging Face field names (those of the family's transformers config class). */
    public String toJson() {
        Family family = family();
        ObjectNode o = JSON.createObjectNode();
        o.putArray("architectures").add(family.architecture());
        o.put("model_type", modelType);
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_key_value_heads", numKeyValueHeads);
        o.put("head_dim", headDim);
        o.put(family.gemma() ? "hidden_activation" : "hidden_act", hiddenAct);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("rms_norm_eps", rmsNormEps);
        o.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            o.putNull("rope_scaling");
        } else {
            ropeScaling.toJson(o.putObject("rope_scaling"));
        }
        if (ropeLocalTheta != null) {
            o.put("rope_local_base_freq", ropeLocalTheta);
        }
        if (partialRotaryFactor != 1.0) {
            o.put("partial_rotary_factor", partialRotaryFactor);
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
        switch (family) {
            case LLAMA -> {
                o.put("attention_bias", qkvBias);
                o.put("mlp_bias", mlpBias);
            }
            case QWEN2, QWEN3 -> {
                if (family == Family.QWEN3) {
                    o.put("attention_bias", qkvBias);
                }
                int firstSliding = layerTypes.indexOf(SLIDING_ATTENTION);
                o.put("use_sliding_window", firstSliding >= 0);
                o.put("sliding_window", slidingWindow == null ? 4096 : slidingWindow);
                o.put("max_window_layers", firstSliding >= 0 ? firstSliding : numHiddenLayers);
                writeLayerTypes(o);
            }
            case GEMMA2, GEMMA3_TEXT -> {
                o.put("attention_bias", qkvBias);
                o.put("query_pre_attn_scalar", queryPreAttnScalar == null ? headDim : queryPreAttnScalar);
                o.put("sliding_window", slidingWindow == null ? 4096 : slidingWindow);
                writeLayerTypes(o);
                putNullable(o, "attn_logit_softcapping", attnLogitSoftcap);
                putNullable(o, "final_logit_softcapping", finalLogitSoftcap);
            }
            default -> {
                if (slidingWindow == null) {
                    o.putNull("sliding_window");
                } else {
                    o.put("sliding_window", slidingWindow);
                }
                if (family == Family.PHI3) {
                    o.put("resid_pdrop", 0.0);
                    o.put("embd_pdrop", 0.0);
                }
            }
        }
        o.put("attention_dropout", attentionDropout);
        o.put("initializer_range", initializerRange);
        o.put("torch_dtype", torchDtype);
        if (bosTokenId != null) {
            o.put("bos_token_id", bosTokenId);
        }
        if (eosTokenIds.size() == 1) {
            o.put("eos_token_id", eosTokenIds.get(0));
        } else if (!eosTokenIds.isEmpty()) {
            ArrayNode a = o.putArray("eos_token_id");
            eosTokenIds.forEach(a::add);
        }
        if (padTokenId != null) {
            o.put("pad_token_id", padTokenId);
        }
        o.put("use_cache", true);
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeLayerTypes(ObjectNode o) {
        ArrayNode types = o.putArray("layer_types");
        layerTypes.forEach(types::add);
    }

    private static void putNullable(ObjectNode o, String field, Double value) {
        if (value == null) {
            o.putNull(field);
        } else {
            o.put(field, value);
        }
    }

    /** Writes {@code modelDir/config.json}. */
    public void write(Path modelDir) {
        try {
            Files.createDirectories(modelDir);
            Files.writeString(modelDir.resolve("config.json"), toJson());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write config.json in " + modelDir, e);
        }
    }

    /** A builder with small Llama defaults (for fixtures and tests). */
    public static LlamaConfigBuilder builder() {
        return new LlamaConfigBuilder();
    }

    /** A builder initialised from this config. */
    public LlamaConfigBuilder toBuilder() {
        return new LlamaConfigBuilder().modelType(modelType).vocabSize(vocabSize).hiddenSize(hiddenSize)
                .intermediateSize(intermediateSize).numHiddenLayers(numHiddenLayers)
                .numAttentionHeads(numAttentionHeads).numKeyValueHeads(numKeyValueHeads).headDim(headDim)
                .maxPositionEmbeddings(maxPositionEmbeddings).rmsNormEps(rmsNormEps).ropeTheta(ropeTheta)
                .ropeScaling(ropeScaling).tieWordEmbeddings(tieWordEmbeddings).qkvBias(qkvBias).oBias(oBias)
                .mlpBias(mlpBias).slidingWindow(slidingWindow).attentionDropout(attentionDropout)
                .torchDtype(torchDtype).bosTokenId(bosTokenId).eosTokenIds(eosTokenIds).padTokenId(padTokenId)
                .initializerRange(initializerRange).hiddenAct(hiddenAct).queryPreAttnScalar(queryPreAttnScalar)
                .layerTypes(layerTypes.equals(defaultLayerTypes(family(), numHiddenLayers, slidingWindow)) ? null : layerTypes)
                .ropeLocalTheta(ropeLocalTheta).attnLogitSoftcap(attnLogitSoftcap)
                .finalLogitSoftcap(finalLogitSoftcap).partialRotaryFactor(partialRotaryFactor);
    }
}
