package dev.loraforge.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.reference.ReferenceLlama;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deterministic fixture models in Hugging Face layout, and loading of half-precision checkpoints. */
class ModelFixturesTest {

    @TempDir
    Path dir;

    @Test
    void sameSeedGivesByteIdenticalFilesWithHfNames() throws Exception {
        LlamaConfig c = LlamaConfig.builder().numKeyValueHeads(2).eosTokenIds(List.of(2)).bosTokenId(1).padTokenId(0).build();
        ModelFixtures.writeRandomModel(dir.resolve("a"), c, 7);
        ModelFixtures.writeRandomModel(dir.resolve("b"), c, 7);
        ModelFixtures.writeRandomModel(dir.resolve("c"), c, 8);
        for (String f : List.of("config.json", "generation_config.json", "model.safetensors")) {
            assertThat(Files.readAllBytes(dir.resolve("b").resolve(f))).as(f).isEqualTo(Files.readAllBytes(dir.resolve("a").resolve(f)));
        }
        assertThat(Files.readAllBytes(dir.resolve("c/model.safetensors"))).isNotEqualTo(Files.readAllBytes(dir.resolve("a/model.safetensors")));
        try (SafeTensorsReader r = SafeTensorsReader.openModel(dir.resolve("a"))) {
            assertThat(r.names()).contains("model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
                    "model.layers.1.mlp.down_proj.weight", "model.layers.1.post_attention_layernorm.weight",
                    "model.norm.weight", "lm_head.weight").hasSize(1 + 2 * 9 + 2);
            assertThat(r.info("model.layers.0.self_attn.k_proj.weight").shape()).containsExactly(16, 32);
            float[] embed = r.readFloats("model.embed_tokens.weight");
            for (int j = 0; j < 32; j++) {
                assertThat(embed[j]).as("padding row is zero").isZero();
            }
            double sum = 0;
            float[] q = r.readFloats("model.layers.0.self_attn.q_proj.weight");
            for (float v : q) {
                sum += v * v;
            }
            assertThat(Math.sqrt(sum / q.length)).isBetween(0.018, 0.022); // initializer_range 0.02
            assertThat(r.readFloats("model.norm.weight")).containsOnly(1f);
        }
        assertThat(GenerationDefaults.eosTokenIds(dir.resolve("a"))).containsExactly(2);
        try (LlamaModel model = LlamaModel.load(dir.resolve("a"))) {
            assertThat(model.config()).isEqualTo(c);
            assertThat(model.eosTokenIds()).containsExactly(2);
        }
    }

    @Test
    void inMemoryWeightsGiveTheSameModelAsTheLoadedDirectory() {
        LlamaConfig c = LlamaConfig.builder().numKeyValueHeads(1).tieWordEmbeddings(true).build();
        ModelFixtures.writeRandomModel(dir, c, 3);
        int[][] ids = TestModels.randomIds(2, 1, 5, 64);
        try (LlamaModel loaded = LlamaModel.load(dir);
             LlamaModel copy = LlamaModel.fromWeights(c, loaded.weights(), loaded.manager());
             NDManager m = loaded.manager().newSubManager()) {
            assertThat(copy.forward(TestModels.ids(m, ids), null, null).toFloatArray())
                    .containsExactly(loaded.forward(TestModels.ids(m, ids), null, null).toFloatArray());
            assertThat(copy.directory()).isNull();
        }
    }

    @Test
    void shardedCheckpointLoadsAndMismatchedWeightsAreRefused() throws Exception {
        LlamaConfig c = LlamaConfig.builder().build();
        Map<String, float[]> weights = TestModels.randomWeights(c, 4);
        Map<String, long[]> layout = WeightLayout.of(c);
        Path sharded = dir.resolve("sharded");
        c.write(sharded);
        dev.loraforge.engine.io.SafeTensorsWriter one = new dev.loraforge.engine.io.SafeTensorsWriter();
        dev.loraforge.engine.io.SafeTensorsWriter two = new dev.loraforge.engine.io.SafeTensorsWriter();
        StringBuilder map = new StringBuilder();
        for (Map.Entry<String, float[]> e : weights.entrySet()) {
            boolean first = e.getKey().startsWith("model.layers.0.") || e.getKey().startsWith("model.embed");
            (first ? one : two).addFloats(e.getKey(), e.getValue(), layout.get(e.getKey()), SafeDType.F32);
            map.append(map.length() == 0 ? "" : ",").append('"').append(e.getKey()).append("\":\"model-0000")
                    .append(first ? 1 : 2).append("-of-00002.safetensors\"");
        }
        one.write(sharded.resolve("model-00001-of-00002.safetensors"));
        two.write(sharded.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(sharded.resolve("model.safetensors.index.json"), "{\"weight_map\":{" + map + "}}");
        int[][] ids = TestModels.randomIds(3, 1, 5, 64);
        try (LlamaModel model = LlamaModel.load(sharded); NDManager m = model.manager().newSubManager()) {
            float[] logits = model.forward(TestModels.ids(m, ids), null, null).toFloatArray();
            double[][] ref = new ReferenceLlama(TestModels.dims(c), weights).logits(ids[0], null);
            assertThat(TestModels.maxAbsDiff(logits, 0, 5, 64, ref, 5)).isLessThan(1e-4);
        }
        Path biased = dir.resolve("biased");
        TestModels.write(biased, c, weights, SafeDType.F32);
        c.toBuilder().attentionBias(true).build().write(biased);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LlamaModel.load(biased))
                .hasMessageContaining("'model.layers.0.self_attn.q_proj.bias' is missing");
        c.toBuilder().numHiddenLayers(1).build().write(biased);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LlamaModel.load(biased))
                .hasMessageContaining("unexpected tensor 'model.layers.1.");
        c.toBuilder().intermediateSize(48).build().write(biased);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LlamaModel.load(biased))
                .hasMessageContaining("has shape [64, 32] but config.json implies [48, 32]");
    }

    @Test
    void aModelOverTheShardLimitIsWrittenInShardsWithAnIndexAsSavePretrainedDoes() throws Exception {
        LlamaConfig c = LlamaConfig.builder().numKeyValueHeads(2).torchDtype("bfloat16").build();
        Path one = dir.resolve("one");
        Path sharded = dir.resolve("sharded");
        ModelFixtures.writeRandomModel(one, c, 7);
        ModelFixtures.writeRandomModel(sharded, c, 7, 20_000);
        assertThat(one.resolve("model.safetensors.index.json")).doesNotExist();
        com.fasterxml.jackson.databind.JsonNode index = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(sharded.resolve("model.safetensors.index.json").toFile());
        List<Path> shards;
        try (var files = Files.list(sharded)) {
            shards = files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        assertThat(shards).hasSizeGreaterThan(2);
        assertThat(shards.get(0).getFileName().toString()).isEqualTo("model-00001-of-0000" + shards.size() + ".safetensors");
        long total = 0;
        try (SafeTensorsReader a = SafeTensorsReader.open(one.resolve("model.safetensors"));
                SafeTensorsReader b = SafeTensorsReader.openModel(sharded)) {
            assertThat(b.names()).isEqualTo(a.names());
            for (String name : a.names()) {
                assertThat(b.bytes(name)).as(name).isEqualTo(a.bytes(name));
                assertThat(index.get("weight_map").get(name)).as(name).isNotNull();
                total += a.info(name).byteLength();
            }
        }
        assertThat(index.get("metadata").get("total_size").asLong()).isEqualTo(total);
        for (Path shard : shards) {
            try (SafeTensorsReader r = SafeTensorsReader.open(shard)) {
                long data = r.names().stream().mapToLong(n -> r.info(n).byteLength()).sum();
                assertThat(data <= 20_000 || r.names().size() == 1).as(shard + ": " + data + " bytes").isTrue();
            }
        }
        int[][] ids = TestModels.randomIds(3, 1, 5, 64);
        try (LlamaModel a = LlamaModel.load(one); LlamaModel b = LlamaModel.load(sharded); NDManager m = a.manager().newSubManager()) {
            assertThat(b.forward(TestModels.ids(m, ids), null, null).toFloatArray())
                    .containsExactly(a.forward(TestModels.ids(m, ids), null, null).toFloatArray());
        }
    }

    @Test
    void bf16AndF16CheckpointsLoadAsTheirRoundedValues() {
        LlamaConfig c = LlamaConfig.builder().modelType("qwen2").numKeyValueHeads(2).build();
        Map<String, float[]> weights = TestModels.randomWeights(c, 9);
        int[][] ids = TestModels.randomIds(1, 1, 6, 64);
        for (SafeDType dtype : List.of(SafeDType.BF16, SafeDType.F16)) {
            Path d = dir.resolve(dtype.name());
            TestModels.write(d, c.toBuilder().torchDtype(dtype == SafeDType.BF16 ? "bfloat16" : "float16").build(), weights, dtype);
            Map<String, float[]> rounded = new LinkedHashMap<>();
            weights.forEach((k, v) -> {
                float[] r = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    r[i] = dtype == SafeDType.BF16 ? dev.loraforge.engine.io.HalfFloats.bf16ToF32(dev.loraforge.engine.io.HalfFloats.f32ToBf16(v[i]))
                            : dev.loraforge.engine.io.HalfFloats.f16ToF32(dev.loraforge.engine.io.HalfFloats.f32ToF16(v[i]));
                }
                rounded.put(k, r);
            });
            try (LlamaModel model = LlamaModel.load(d); NDManager m = model.manager().newSubManager()) {
                assertThat(model.weights().get("model.layers.0.self_attn.q_proj.bias").toFloatArray())
                        .containsExactly(rounded.get("model.layers.0.self_attn.q_proj.bias"));
                float[] logits = model.forward(TestModels.ids(m, ids), null, null).toFloatArray();
                double[][] ref = new ReferenceLlama(TestModels.dims(c), rounded).logits(ids[0], null);
                assertThat(TestModels.maxAbsDiff(logits, 0, 6, 64, ref, 6)).as(dtype.name()).isLessThan(1e-4);
            }
        }
    }
}
