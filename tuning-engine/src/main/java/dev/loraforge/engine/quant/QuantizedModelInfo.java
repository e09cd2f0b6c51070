package dev.loraforge.engine.quant;

import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.WeightLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What {@code tune inspect} shows of a quantized model directory, from config.json and the safetensors headers. */
public final class QuantizedModelInfo {

    private QuantizedModelInfo() {
    }

    /** Scheme, quantized tensors and parameters, stored bits per quantized parameter; empty for full precision. */
    public static Optional<Map<String, Object>> describe(Path modelDir) {
        Optional<BnbQuantizationConfig> q = BnbQuantizationConfig.read(modelDir);
        if (q.isEmpty()) {
            return Optional.empty();
        }
        LlamaConfig config = LlamaConfig.load(modelDir);
        long tensors = 0;
        long params = 0;
        long bytes = 0;
        try (SafeTensorsReader r = SafeTensorsReader.openModel(modelDir)) {
            for (Map.Entry<String, long[]> e : WeightLayout.of(config).entrySet()) {
                String w = e.getKey();
                if (!WeightLayout.isProjectionWeight(w) || !(BnbLayout.isFourBit(r, w) || BnbLayout.isEightBit(r, w))) {
                    continue;
                }
                tensors++;
                params += e.getValue()[0] * e.getValue()[1];
                List<String> parts = new ArrayList<>(List.of(w, BnbLayout.scbName(w),
                        BnbLayout.weightFormatName(w)));
                BnbLayout.NF4_SUFFIXES.forEach(s -> parts.add(w + s));
                for (String name : parts) {
                    bytes += r.contains(name) ? r.info(name).byteLength() : 0;
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("quant_method", "bitsandbytes");
            m.put("scheme", q.get().scheme().id());
            m.put("quantized_tensors", tensors);
            m.put("quantized_parameters", params);
            m.put("stored_bits_per_quantized_parameter", params == 0 ? null : Math.round(8000.0 * bytes / params) / 1000.0);
            m.put("unquantized", q.get().skipModules().isEmpty() ? "embeddings, norms, lm_head" : "embeddings, norms, " + q.get().skipModules());
            m.put("quantization_config", q.get().toJson());
            return Optional.of(m);
        }
    }
}
