package dev.loraforge.engine.model;

import ai.djl.ndarray.NDArray;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model's frozen weights by Hugging Face name: float32 arrays, and projection weights held quantized
 * ({@code <module>.weight} names). A name is in exactly one of the two maps.
 */
public record WeightSet(Map<String, NDArray> dense, Map<String, QuantizedWeight> quantized) {

    public WeightSet {
        dense = Collections.unmodifiableMap(new LinkedHashMap<>(dense));
        quantized = Collections.unmodifiableMap(new LinkedHashMap<>(quantized));
        for (String name : quantized.keySet()) {
            if (dense.containsKey(name)) {
                throw new IllegalArgumentException("'" + name + "' is given both dense and quantized");
            }
        }
    }

    /** Only float32 weights. */
    public static WeightSet dense(Map<String, NDArray> weights) {
        return new WeightSet(weights, Map.of());
    }

    /** The projection {@code <modulePath>.weight} (dense or quantized) with its bias, if any. */
    Projection projection(String modulePath) {
        String w = modulePath + ".weight";
        return new Projection(dense.get(w), quantized.get(w), dense.get(modulePath + ".bias"));
    }
}
