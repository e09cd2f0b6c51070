package dev.loraforge.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.loraforge.engine.model.Adapter;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helper: every adapter parameter's accumulated gradient as values, then zeroed (torch's zero_grad). */
final class AdapterGradients {

    private AdapterGradients() {
    }

    /** The gradients by parameter name; their wrappers land in {@code m}. */
    static Map<String, float[]> take(Adapter adapter, NDManager m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (var e : adapter.trainableParameters().entrySet()) {
            NDArray g = e.getValue().getGradient();
            g.attach(m);
            out.put(e.getKey(), g.toFloatArray());
            g.muli(0);
        }
        return out;
    }
}
