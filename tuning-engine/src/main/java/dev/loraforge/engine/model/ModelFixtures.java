package dev.loraforge.engine.model;

import dev.loraforge.engine.io.SafeTensorsWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/**
 * Generates a random Llama-family model in exact Hugging Face layout, initialised as transformers
 * does ({@code _init_weights}): projections and embeddings ~ N(0, initializer_range), the padding
 * token's embedding row zero, biases zero, norm weights one. Each tensor draws from its own
 * {@link Random} seeded by (seed, name), so the same seed gives byte-identical files.
 */
public final class ModelFixtures {

    private ModelFixtures() {
    }

    /** Writes config.json, generation_config.json and model.safetensors (dtype from torch_dtype). */
    public static void writeRandomModel(Path dir, LlamaConfig config, long seed) {
        SafeTensorsWriter writer = new SafeTensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, long[]> e : WeightLayout.of(config).entrySet()) {
            writer.addFloatsLazily(e.getKey(), e.getValue(), ModelWriter.dtypeOf(config),
                    () -> initialValues(config, e.getKey(), e.getValue(), seed)); // one tensor in memory at a time
        }
        ModelWriter.writeFiles(dir, config, writer);
    }

    /** The transformers-style initial values of one tensor. */
    static float[] initialValues(LlamaConfig config, String name, long[] shape, long seed) {
        int n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, (int) d);
        }
        float[] values = new float[n];
        if (WeightLayout.isNorm(name)) {
            java.util.Arrays.fill(values, config.family().gemma() ? 0f : 1f); // Gemma's norms compute x·(1+w)
            return values;
        }
        if (name.endsWith(".bias")) {
            return values;
        }
        Random random = new Random(seed * 1_000_003L + name.hashCode());
        double std = config.initializerRange();
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        if (name.equals("model.embed_tokens.weight") && config.padTokenId() != null) {
            int h = config.hiddenSize();
            java.util.Arrays.fill(values, config.padTokenId() * h, (config.padTokenId() + 1) * h, 0f);
        }
        return values;
    }
}
