package dev.loraforge.engine.model;

import java.util.List;

/** Builds a {@link LlamaConfig}; defaults describe a tiny Llama for fixtures and tests. */
public final class LlamaConfigBuilder {

    private String modelType = "llama";
    private int vocabSize = 64;
    private int hiddenSize = 32;
    private int intermediateSize = 64;
    private int numHiddenLayers = 2;
    private int numAttentionHeads = 4;
    private Integer numKeyValueHeads;
    private Integer headDim;
    private int maxPositionEmbeddings = 256;
    private double rmsNormEps = 1e-6;
    private double ropeTheta = 10000.0;
    private RopeScaling ropeScaling;
    private boolean tieWordEmbeddings;
    private Boolean qkvBias;
    private Boolean oBias;
    private boolean mlpBias;
    private Integer slidingWindow;
    private double attentionDropout;
    private String torchDtype = "float32";
    private Integer bosTokenId;
    private List<Integer> eosTokenIds = List.of();
    private Integer padTokenId;
    private double initializerRange = 0.02;
    private String hiddenAct;
    private Double queryPreAttnScalar;
    private List<String> layerTypes;
    private Double ropeLocalTheta;
    private Double attnLogitSoftcap;
    private Double finalLogitSoftcap;
    private double partialRotaryFactor = 1.0;

    LlamaConfigBuilder() {
    }

    /** Builds and validates; heads, head_dim and biases default from the model type. */
    public LlamaConfig build() {
        boolean qwen = modelType.equals("qwen2");
        int hd = headDim != null ? headDim : hiddenSize / Math.max(1, numAttentionHeads);
        return new LlamaConfig(modelType, vocabSize, hiddenSize, intermediateSize, numHiddenLayers,
                numAttentionHeads, numKeyValueHeads != null ? numKeyValueHeads : numAttentionHeads, hd,
                maxPositionEmbeddings, rmsNormEps, ropeTheta, ropeScaling, tieWordEmbeddings,
                qkvBias != null ? qkvBias : qwen, oBias != null ? oBias : false, mlpBias, slidingWindow,
                attentionDropout, torchDtype, bosTokenId, eosTokenIds, padTokenId, initializerRange, hiddenAct,
                queryPreAttnScalar, layerTypes, ropeLocalTheta, attnLogitSoftcap, finalLogitSoftcap, partialRotaryFactor);
    }

    public LlamaConfigBuilder modelType(String v) { modelType = v; return this; }
    public LlamaConfigBuilder vocabSize(int v) { vocabSize = v; return this; }
    public LlamaConfigBuilder hiddenSize(int v) { hiddenSize = v; return this; }
    public LlamaConfigBuilder intermediateSize(int v) { intermediateSize = v; return this; }
    public LlamaConfigBuilder numHiddenLayers(int v) { numHiddenLayers = v; return this; }
    public LlamaConfigBuilder numAttentionHeads(int v) { numAttentionHeads = v; return this; }
    public LlamaConfigBuilder numKeyValueHeads(int v) { numKeyValueHeads = v; return this; }
    public LlamaConfigBuilder headDim(int v) { headDim = v; return this; }
    public LlamaConfigBuilder maxPositionEmbeddings(int v) { maxPositionEmbeddings = v; return this; }
    public LlamaConfigBuilder rmsNormEps(double v) { rmsNormEps = v; return this; }
    public LlamaConfigBuilder ropeTheta(double v) { ropeTheta = v; return this; }
    public LlamaConfigBuilder ropeScaling(RopeScaling v) { ropeScaling = v; return this; }
    public LlamaConfigBuilder tieWordEmbeddings(boolean v) { tieWordEmbeddings = v; return this; }
    /** llama's attention_bias: biases on q, k, v and o. */
    public LlamaConfigBuilder attentionBias(boolean v) { qkvBias = v; oBias = v; return this; }
    public LlamaConfigBuilder qkvBias(boolean v) { qkvBias = v; return this; }
    public LlamaConfigBuilder oBias(boolean v) { oBias = v; return this; }
    public LlamaConfigBuilder mlpBias(boolean v) { mlpBias = v; return this; }
    public LlamaConfigBuilder slidingWindow(Integer v) { slidingWindow = v; return this; }
    public LlamaConfigBuilder attentionDropout(double v) { attentionDropout = v; return this; }
    public LlamaConfigBuilder torchDtype(String v) { torchDtype = v; return this; }
    public LlamaConfigBuilder bosTokenId(Integer v) { bosTokenId = v; return this; }
    public LlamaConfigBuilder eosTokenIds(List<Integer> v) { eosTokenIds = v; return this; }
    public LlamaConfigBuilder padTokenId(Integer v) { padTokenId = v; return this; }
    public LlamaConfigBuilder initializerRange(double v) { initializerRange = v; return this; }
    /** hidden_act (hidden_activation for Gemma); null: the family's own. */
    public LlamaConfigBuilder hiddenAct(String v) { hiddenAct = v; return this; }
    public LlamaConfigBuilder queryPreAttnScalar(Double v) { queryPreAttnScalar = v; return this; }
    /** layer_types; null: the family's default pattern. */
    public LlamaConfigBuilder layerTypes(List<String> v) { layerTypes = v; return this; }
    public LlamaConfigBuilder ropeLocalTheta(Double v) { ropeLocalTheta = v; return this; }
    public LlamaConfigBuilder attnLogitSoftcap(Double v) { attnLogitSoftcap = v; return this; }
    public LlamaConfigBuilder finalLogitSoftcap(Double v) { finalLogitSoftcap = v; return this; }
    public LlamaConfigBuilder partialRotaryFactor(double v) { partialRotaryFactor = v; return this; }
}
