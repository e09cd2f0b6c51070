package dev.loraforge.engine.model;

import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsShards;
import dev.loraforge.engine.io.SafeTensorsWriter;
import dev.loraforge.engine.io.TensorInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

    /**
     * Writes config.json, generation_config.json and model.safetensors (dtype from torch_dtype); a model over
     * {@link SafeTensorsShards#DEFAULT_MAX_SHARD_BYTES} goes into shards with an index, as save_pretrained does.
     */
    public static void writeRandomModel(Path dir, LlamaConfig config, long seed) {
        writeRandomModel(dir, config, seed, SafeTensorsShards.DEFAULT_MAX_SHARD_BYTES);
    }

    /** As {@link #writeRandomModel(Path, LlamaConfig, long)} with shards of at most {@code maxShardBytes}. */
    public static void writeRandomModel(Path dir, LlamaConfig config, long seed, long maxShardBytes) {
        SafeDType dtype = ModelWriter.dtypeOf(config);
        List<Map.Entry<String, long[]>> tensors = List.copyOf(WeightLayout.of(config).entrySet());
        long[] bytes = tensors.stream().mapToLong(e -> TensorInfo.elementCount(e.getValue()) * dtype.byteSize()).toArray();
        int[] shardOf = SafeTensorsShards.plan(bytes, maxShardBytes);
        int count = shardOf.length == 0 ? 1 : shardOf[shardOf.length - 1] + 1;
        List<SafeTensorsWriter> shards = new ArrayList<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            shards.add(new SafeTensorsWriter().metadata("format", "pt"));
        }
        for (int i = 0; i < tensors.size(); i++) {
            Map.Entry<String, long[]> e = tensors.get(i);
            shards.get(shardOf[i]).addFloatsLazily(e.getKey(), e.getValue(), dtype,
                    () -> initialValues(config, e.getKey(), e.getValue(), seed)); // one tensor in memory at a time
            weightMap.put(e.getKey(), SafeTensorsShards.fileName(shardOf[i], count));
        }
        ModelWriter.writeFiles(dir, config, shards.get(0), SafeTensorsShards.fileName(0, count));
        for (int i = 1; i < count; i++) {
            shards.get(i).write(dir.resolve(SafeTensorsShards.fileName(i, count)));
        }
        if (count > 1) {
            SafeTensorsShards.writeIndex(dir, java.util.Arrays.stream(bytes).sum(), weightMap);
        }
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
