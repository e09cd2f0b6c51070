package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.TensorInfo;
import dev.loraforge.engine.quant.BnbQuantizationConfig;
import dev.loraforge.engine.quant.QuantizedCheckpointReader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a checkpoint's tensors by their Hugging Face names, checks them against
 * {@link WeightLayout}, converts them to float32 and leaves them without gradients (frozen); on request
 * (training) the projection weights, embedding and LM head of a bf16 / fp16 checkpoint stay 16-bit
 * ({@link HalfPrecisionWeight}).
 * A bitsandbytes-quantized checkpoint (config.json has a quantization_config) is read by
 * {@link QuantizedCheckpointReader}: its projections stay quantized.
 */
final class WeightLoader {

    private WeightLoader() {
    }

    static WeightSet load(Path modelDir, LlamaConfig config, NDManager manager, boolean keepStoredPrecision) {
        if (BnbQuantizationConfig.read(modelDir).isPresent()) {
            return QuantizedCheckpointReader.read(modelDir, config, manager, keepStoredPrecision);
        }
        try (SafeTensorsReader reader = SafeTensorsReader.openModel(modelDir)) {
            Map<String, long[]> layout = WeightLayout.of(config);
            for (String name : reader.names()) {
                if (!layout.containsKey(name) && !WeightLayout.isIgnorable(name, config)) {
                    throw new IllegalArgumentException(modelDir + ": unexpected tensor '" + name
                            + "' for " + config.modelType() + " with this config.json (attention_bias / mlp_bias /"
                            + " tie_word_embeddings / num_hidden_layers may disagree with the weights)");
                }
            }
            Map<String, NDArray> weights = new LinkedHashMap<>();
            Map<String, QuantizedWeight> half = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : layout.entrySet()) {
                String name = e.getKey();
                if (!reader.contains(name)) {
                    throw new IllegalArgumentException(modelDir + ": tensor '" + name + "' is missing from the weights");
                }
                TensorInfo info = reader.info(name);
                if (!Arrays.equals(info.shape(), e.getValue())) {
                    throw new IllegalArgumentException(modelDir + ": tensor '" + name + "' has shape "
                            + Arrays.toString(info.shape()) + " but config.json implies " + Arrays.toString(e.getValue()));
                }
                if (keepStoredPrecision && WeightLayout.isKeptInStoredPrecision(name) && HalfPrecisionWeight.holds(info.dtype())) {
                    half.put(name, HalfPrecisionWeight.read(reader, name, manager));
                    continue;
                }
                NDArray array = reader.readFloat32(name, manager);
                array.setName(name);
                weights.put(name, array);
            }
            return new WeightSet(weights, half);
        }
    }
}
