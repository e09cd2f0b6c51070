package dev.loraforge.engine.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.TensorInfo;
import dev.loraforge.engine.model.HalfPrecisionWeight;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.QuantizedWeight;
import dev.loraforge.engine.model.WeightLayout;
import dev.loraforge.engine.model.WeightSet;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a bitsandbytes-quantized model directory (ours or one saved by transformers) onto the
 * engine: projections stay quantized ({@link Nf4Weight}, {@link Int8Weight}), every other tensor
 * becomes a frozen float32 array (for training the 16-bit embedding and LM head stay 16-bit). Each 4-bit weight is decoded with its own stored quant_map and
 * nested_quant_map. fp4, quantized LM heads and non-uint8 quant storage are refused by name.
 */
public final class QuantizedCheckpointReader {

    private QuantizedCheckpointReader() {
    }

    public static WeightSet read(Path modelDir, LlamaConfig config, NDManager manager) {
        return read(modelDir, config, manager, false);
    }

    /**
     * As {@link #read(Path, LlamaConfig, NDManager)}; with {@code keepStoredPrecision} (training) a bf16 / fp16
     * embedding and LM head stay 16-bit ({@link HalfPrecisionWeight}) instead of becoming float32.
     */
    public static WeightSet read(Path modelDir, LlamaConfig config, NDManager manager, boolean keepStoredPrecision) {
        BnbQuantizationConfig.read(modelDir).orElseThrow(() -> new IllegalArgumentException(
                modelDir + "/config.json has no quantization_config: not a quantized model"));
        CodeTables tables = new CodeTables(manager);
        Map<String, NDArray> dense = new LinkedHashMap<>();
        Map<String, QuantizedWeight> quantized = new LinkedHashMap<>();
        Set<String> consumed = new HashSet<>();
        try (SafeTensorsReader r = SafeTensorsReader.openModel(modelDir)) {
            if (r.contains("lm_head.weight" + BnbLayout.QUANT_STATE) || r.contains("lm_head.SCB")) {
                throw new IllegalArgumentException(modelDir + ": lm_head is quantized; only projections inside the decoder"
                        + " layers may be (keep lm_head in llm_int8_skip_modules)");
            }
            for (Map.Entry<String, long[]> e : WeightLayout.of(config).entrySet()) {
                String name = e.getKey();
                long[] shape = e.getValue();
                if (!r.contains(name)) {
                    throw new IllegalArgumentException(modelDir + ": tensor '" + name + "' is missing from the weights");
                }
                consumed.add(name);
                if (WeightLayout.isProjectionWeight(name) && BnbLayout.isFourBit(r, name)) {
                    float[][] map = new float[1][];
                    Nf4Tensor t = BnbLayout.readNf4(r, name, shape, map);
                    quantized.put(name, Nf4Weight.create(t, map[0], manager, tables));
                    BnbLayout.NF4_SUFFIXES.forEach(s -> consumed.add(name + s));
                } else if (WeightLayout.isProjectionWeight(name) && BnbLayout.isEightBit(r, name)) {
                    quantized.put(name, new Int8Weight(BnbLayout.readInt8(r, name, shape), manager));
                    consumed.add(BnbLayout.scbName(name));
                    consumed.add(BnbLayout.weightFormatName(name));
                } else {
                    TensorInfo info = r.info(name);
                    if (!Arrays.equals(info.shape(), shape)) {
                        throw new IllegalArgumentException(modelDir + ": tensor '" + name + "' has shape "
                                + Arrays.toString(info.shape()) + " but config.json implies " + Arrays.toString(shape));
                    }
                    if (keepStoredPrecision && WeightLayout.isKeptInStoredPrecision(name) && HalfPrecisionWeight.holds(info.dtype())) {
                        quantized.put(name, HalfPrecisionWeight.read(r, name, manager));
                        continue;
                    }
                    NDArray array = r.readFloat32(name, manager);
                    array.setName(name);
                    dense.put(name, array);
                }
            }
            for (String name : r.names()) {
                if (!consumed.contains(name) && !WeightLayout.isIgnorable(name, config)) {
                    throw new IllegalArgumentException(modelDir + ": unexpected tensor '" + name + "' for " + config.modelType()
                            + " with this config.json");
                }
            }
        }
        if (quantized.isEmpty()) {
            throw new IllegalArgumentException(modelDir + ": config.json has a quantization_config but no projection is quantized");
        }
        return new WeightSet(dense, quantized);
    }
}
