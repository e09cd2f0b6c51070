package dev.loraforge.engine.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.QuantizedWeight;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small models for the quantization tests. */
final class QuantTestModels {

    private QuantTestModels() {
    }

    /** qwen2 (q/k/v biases), GQA, untied LM head, 96-wide MLP (a short nested absmax block). */
    static LlamaConfig qwen2() {
        return LlamaConfig.builder().modelType("qwen2").hiddenSize(64).numAttentionHeads(8).numKeyValueHeads(2)
                .intermediateSize(96).vocabSize(80).ropeTheta(1_000_000).build();
    }

    /** Writes a random model (logits O(1)) stored as {@code dtype}. */
    static void write(Path dir, LlamaConfig config, long seed, SafeDType dtype) {
        TestModels.write(dir, config, TestModels.randomWeights(config, seed), dtype);
    }

    /** A float32 model whose projections are the quantized model's dequantized weights (other weights shared values). */
    static LlamaModel dequantizedCopy(LlamaModel quantized, NDManager parent) {
        Map<String, NDArray> all = new LinkedHashMap<>(quantized.weights());
        try (NDManager tmp = parent.newSubManager()) {
            for (Map.Entry<String, QuantizedWeight> e : quantized.quantizedWeights().entrySet()) {
                all.put(e.getKey(), e.getValue().dequantize(tmp));
            }
            return LlamaModel.fromWeights(quantized.config(), all, parent);
        }
    }
}
