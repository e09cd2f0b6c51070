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
 * A Llama-family architecture read from (and written as) Hugging Face {@code config.json}:
 * {@code llama}, {@code mistral} and {@code qwen2}. Every check lives in the compact constructor
 * and names the config.json field it concerns.
 *
 * @param modelType model_type: llama, mistral or qwen2
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
 * @param slidingWindow attention window when it applies (mistral sliding_window, qwen2 with
 *     use_sliding_window), null for full attention; longer sequences are refused
 * @param attentionDropout attention_dropout (applied only in training)
 * @param torchDtype torch_dtype of the stored weights: float32, float16 or bfloat16
 * @param bosTokenId bos_token_id, may be null
 * @param eosTokenIds eos_token_id (one id or a list), may be empty
 * @param padTokenId pad_token_id, may be null
 * @param initializerRange initializer_range (std of the random init)
 */
public record LlamaConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize,
                          int numHiddenLayers, int numAttentionHeads, int numKeyValueHeads, int headDim,
                          int maxPositionEmbeddings, double rmsNormEps, double ropeTheta, RopeScaling ropeScaling,
                          boolean tieWordEmbeddings, boolean qkvBias, boolean oBias, boolean mlpBias,
                          Integer slidingWindow, double attentionDropout, String torchDtype, Integer bosTokenId,
                          List<Integer> eosTokenIds, Integer padTokenId, double initializerRange) {

    /** Architectures this engine implements. */
    public static final Set<String> MODEL_TYPES = Set.of("llama", "mistral", "qwen2");
    private static final Set<String> DTYPES = Set.of("float32", "float16", "bfloat16");
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public LlamaConfig {
        if (!MODEL_TYPES.contains(modelType)) {
            throw new IllegalArgumentException("model_type '" + modelType + "' is not supported; supported: "
                    + MODEL_TYPES.stream().sorted().toList());
        }
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
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim (" + headDim + ") must be even for rotary embeddings");
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
        if (slidingWindow != null && slidingWindow <= 0) {
            throw new IllegalArgumentException("sliding_window must be > 0 or null, got " + slidingWindow);
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
        long layer = attn + mlp + 2 * h;
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

    /** config.json text with Hugging Face field names. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        String arch = switch (modelType) {
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> "LlamaForCausalLM";
        };
        o.putArray("architectures").add(arch);
        o.put("model_type", modelType);
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("num_attention_heads", numAttentionHeads);
        o.put("num_key_value_heads", numKeyValueHeads);
        o.put("head_dim", headDim);
        o.put("hidden_act", "silu");
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("rms_norm_eps", rmsNormEps);
        o.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            o.putNull("rope_scaling");
        } else {
            ropeScaling.toJson(o.putObject("rope_scaling"));
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
        if (modelType.equals("llama")) {
            o.put("attention_bias", qkvBias);
            o.put("mlp_bias", mlpBias);
        }
        if (modelType.equals("qwen2")) {
            o.put("use_sliding_window", slidingWindow != null);
            o.put("sliding_window", slidingWindow == null ? 4096 : slidingWindow);
            o.put("max_window_layers", numHiddenLayers);
        } else if (modelType.equals("mistral")) {
            if (slidingWindow == null) {
                o.putNull("sliding_window");
            } else {
                o.put("sliding_window", slidingWindow);
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
                .initializerRange(initializerRange);
    }
}
