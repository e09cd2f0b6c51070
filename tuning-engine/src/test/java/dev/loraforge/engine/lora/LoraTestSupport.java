package dev.loraforge.engine.lora;

import ai.djl.ndarray.NDArray;
import dev.loraforge.engine.reference.ReferenceLlama;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/** Helpers shared by the LoRA tests. */
final class LoraTestSupport {

    private LoraTestSupport() {
    }

    /** Fills every lora_B with N(0, std) so the adapter changes the output. */
    static void randomizeB(LoraAdapter adapter, long seed, double std) {
        Random r = new Random(seed);
        for (Map.Entry<String, NDArray> e : adapter.trainableParameters().entrySet()) {
            if (e.getKey().contains(".lora_B.")) {
                float[] v = new float[(int) e.getValue().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * std);
                }
                LoraAdapter.copyInto(e.getValue(), v, e.getValue().getShape().getShape(), e.getKey());
            }
        }
    }

    /** The adapter's matrices in the reference's terms (single scaling for all modules). */
    static ReferenceLlama.Lora reference(LoraAdapter adapter) {
        Map<String, float[]> a = new HashMap<>();
        Map<String, float[]> b = new HashMap<>();
        adapter.trainableParameters().forEach((key, value) -> {
            String module = key.substring("base_model.model.".length(), key.indexOf(".lora_"));
            (key.contains(".lora_A.") ? a : b).put(module, value.toFloatArray());
        });
        return new ReferenceLlama.Lora(a, b, adapter.config().r(), adapter.scaling());
    }
}
