package dev.loraforge.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.io.SafeTensorsWriter;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.reference.ReferenceLlama;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEFT directory layout: keys, shapes, adapter_config.json fields, round trips, foreign files. */
class PeftFormatTest {

    @TempDir
    Path tmp;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LlamaConfig GQA = LlamaConfig.builder().numAttentionHeads(4).numKeyValueHeads(2)
            .intermediateSize(48).build();

    @Test
    void savedAdapterHasPeftKeysShapesAndConfigFields() throws Exception {
        try (LlamaModel model = TestModels.load(tmp.resolve("base"), GQA, TestModels.randomWeights(GQA, 1));
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0.05, List.of("q_proj", "v_proj", "down_proj")), 1)) {
            Path out = tmp.resolve("adapter");
            lora.save(out, "tiny-llama");
            try (SafeTensorsReader r = SafeTensorsReader.open(out.resolve("adapter_model.safetensors"))) {
                assertThat(r.names()).hasSize(2 * 3 * 2).allMatch(Adapter::isAdapterParameter);
                assertThat(r.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape()).containsExactly(4, 32);
                assertThat(r.info("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").shape()).containsExactly(32, 4);
                assertThat(r.info("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight").shape()).containsExactly(16, 4);
                assertThat(r.info("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").shape()).containsExactly(4, 48);
                assertThat(r.info("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").dtype()).isEqualTo(SafeDType.F32);
                assertThat(r.metadata()).containsEntry("format", "pt");
            }
            JsonNode cfg = JSON.readTree(out.resolve("adapter_config.json").toFile());
            assertThat(cfg.path("peft_type").asText()).isEqualTo("LORA");
            assertThat(cfg.path("task_type").asText()).isEqualTo("CAUSAL_LM");
            assertThat(cfg.path("r").asInt()).isEqualTo(4);
            assertThat(cfg.path("lora_alpha").isInt()).isTrue();
            assertThat(cfg.path("lora_alpha").asInt()).isEqualTo(8);
            assertThat(cfg.path("lora_dropout").asDouble()).isEqualTo(0.05);
            assertThat(cfg.path("bias").asText()).isEqualTo("none");
            assertThat(cfg.path("fan_in_fan_out").asBoolean(true)).isFalse();
            assertThat(cfg.path("use_rslora").asBoolean(true)).isFalse();
            assertThat(cfg.path("use_dora").asBoolean(true)).isFalse();
            assertThat(cfg.path("inference_mode").asBoolean()).isTrue();
            assertThat(cfg.path("init_lora_weights").asBoolean()).isTrue();
            assertThat(cfg.path("base_model_name_or_path").asText()).isEqualTo("tiny-llama");
            assertThat(cfg.get("modules_to_save").isNull()).isTrue();
            assertThat(cfg.get("revision").isNull()).isTrue();
            assertThat(cfg.path("target_modules")).extracting(JsonNode::asText).containsExactly("q_proj", "v_proj", "down_proj");
            List<String> keys = new java.util.ArrayList<>();
            cfg.fieldNames().forEachRemaining(keys::add);
            assertThat(keys).isSorted();
        }
    }

    @Test
    void saveLoadRoundTripKeepsParametersAndLogits() {
        try (LlamaModel model = TestModels.load(tmp.resolve("base"), GQA, TestModels.randomWeights(GQA, 2));
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(3, 6, 0, List.of("all-linear")).withInit(LoraInit.GAUSSIAN), 2);
             NDManager m = model.manager().newSubManager()) {
            LoraTestSupport.randomizeB(lora, 3, 0.2);
            Path out = tmp.resolve("adapter");
            lora.save(out);
            try (LoraAdapter back = LoraAdapter.load(model, out)) {
                assertThat(back.config().resolvedTargets()).isEqualTo(lora.config().resolvedTargets());
                assertThat(back.config().withInit(LoraInit.GAUSSIAN))
                        .isEqualTo(new LoraConfig(3, 6, 0, lora.config().resolvedTargets(), false, LoraInit.GAUSSIAN));
                assertThat(back.trainableParameters().keySet()).containsExactlyElementsOf(lora.trainableParameters().keySet());
                lora.trainableParameters().forEach((k, v) ->
                        assertThat(back.trainableParameters().get(k).toFloatArray()).as(k).containsExactly(v.toFloatArray()));
                int[][] ids = TestModels.randomIds(1, 1, 6, 64);
                assertThat(model.forward(TestModels.ids(m, ids), null, null, back).toFloatArray())
                        .containsExactly(model.forward(TestModels.ids(m, ids), null, null, lora).toFloatArray());
                assertThat(back.trainableParameters().values()).allMatch(a -> a.hasGradient());
            }
        }
    }

    @Test
    void loadWeightsRestoresValuesIntoExistingParameters() {
        try (LlamaModel model = TestModels.load(tmp.resolve("base"), GQA, TestModels.randomWeights(GQA, 2));
             LoraAdapter saved = LoraAdapter.create(model, LoraConfig.of(2, 4, 0, List.of("q_proj")), 7);
             LoraAdapter fresh = LoraAdapter.create(model, LoraConfig.of(2, 4, 0, List.of("q_proj")), 8)) {
            LoraTestSupport.randomizeB(saved, 9, 0.3);
            saved.save(tmp.resolve("ckpt"));
            fresh.loadWeights(tmp.resolve("ckpt"));
            saved.trainableParameters().forEach((k, v) ->
                    assertThat(fresh.trainableParameters().get(k).toFloatArray()).as(k).containsExactly(v.toFloatArray()));
        }
    }

    /**
     * An adapter written by hand the way PEFT saves one (F16 tensors, rank_pattern/alpha_pattern,
     * a subset of layers, the extra fields of newer PEFT versions) loads and computes the right
     * logits.
     */
    @Test
    void foreignPeftAdapterLoadsWithPatternsAndHalfPrecision() throws Exception {
        Map<String, float[]> weights = TestModels.randomWeights(GQA, 3);
        Path dir = tmp.resolve("foreign");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("adapter_config.json"), """
                {
                  "alpha_pattern": {"v_proj": 3},
                  "auto_mapping": null,
                  "base_model_name_or_path": "someone/tiny",
                  "bias": "none",
                  "eva_config": null,
                  "exclude_modules": null,
                  "fan_in_fan_out": false,
                  "inference_mode": true,
                  "init_lora_weights": true,
                  "layers_pattern": null,
                  "layers_to_transform": [1],
                  "lora_alpha": 16,
                  "lora_bias": false,
                  "lora_dropout": 0.0,
                  "modules_to_save": null,
                  "peft_type": "LORA",
                  "r": 4,
                  "rank_pattern": {"model.layers.1.self_attn.v_proj": 2},
                  "revision": null,
                  "target_modules": ["v_proj", "q_proj"],
                  "task_type": "CAUSAL_LM",
                  "use_dora": false,
                  "use_rslora": false
                }
                """);
        Random r = new Random(5);
        Map<String, float[]> a = new HashMap<>();
        Map<String, float[]> b = new HashMap<>();
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
        // q_proj: r=4 (32 x 32); v_proj: r=2 from rank_pattern (16 x 32); only layer 1
        for (String proj : List.of("q_proj", "v_proj")) {
            int rank = proj.equals("q_proj") ? 4 : 2;
            int out = proj.equals("q_proj") ? 32 : 16;
            float[] av = gaussian(r, rank * 32, 0.3);
            float[] bv = gaussian(r, out * rank, 0.3);
            // values representable in F16 so both sides see the same numbers
            for (float[] arr : List.of(av, bv)) {
                for (int i = 0; i < arr.length; i++) {
                    arr[i] = dev.loraforge.engine.io.HalfFloats.f16ToF32(dev.loraforge.engine.io.HalfFloats.f32ToF16(arr[i]));
                }
            }
            String module = "model.layers.1.self_attn." + proj;
            w.addFloats("base_model.model." + module + ".lora_A.weight", av, new long[] {rank, 32}, SafeDType.F16);
            w.addFloats("base_model.model." + module + ".lora_B.weight", bv, new long[] {out, rank}, SafeDType.F16);
            a.put(module, av);
            b.put(module, bv);
        }
        w.write(dir.resolve("adapter_model.safetensors"));

        int[][] ids = TestModels.randomIds(8, 1, 8, 64);
        try (LlamaModel model = TestModels.load(tmp.resolve("base"), GQA, weights);
             Adapter adapter = PeftAdapters.load(model, dir);
             NDManager m = model.manager().newSubManager()) {
            assertThat(adapter).isInstanceOf(LoraAdapter.class);
            LoraAdapter lora = (LoraAdapter) adapter;
            assertThat(lora.pair(0, "q_proj")).isNull();
            assertThat(lora.pair(1, "q_proj").scaling()).isEqualTo(16.0 / 4);
            assertThat(lora.pair(1, "v_proj").scaling()).isEqualTo(3.0 / 2);
            float[] logits = model.forward(TestModels.ids(m, ids), null, null, adapter).toFloatArray();
            // the reference applies one scaling per adapter: compare q and v separately
            double[][] expectedQ = new ReferenceLlama(TestModels.dims(GQA), weights,
                    new ReferenceLlama.Lora(Map.of("model.layers.1.self_attn.q_proj", a.get("model.layers.1.self_attn.q_proj")),
                            Map.of("model.layers.1.self_attn.q_proj", b.get("model.layers.1.self_attn.q_proj")), 4, 4.0),
                    null, 0).logits(ids[0], null);
            assertThat(TestModels.maxAbsDiff(logits, 0, 8, 64, expectedQ, 8)).as("v_proj term must matter").isGreaterThan(1e-3);
            try (LoraAdapter onlyV = LoraAdapter.load(model, dir)) {
                // zero q's B in a second copy to isolate v_proj with its pattern scaling and rank
                String qb = "base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight";
                LoraAdapter.copyInto(onlyV.trainableParameters().get(qb), new float[32 * 4], new long[] {32, 4}, qb);
                float[] vLogits = model.forward(TestModels.ids(m, ids), null, null, onlyV).toFloatArray();
                double[][] expectedV = new ReferenceLlama(TestModels.dims(GQA), weights,
                        new ReferenceLlama.Lora(Map.of("model.layers.1.self_attn.v_proj", a.get("model.layers.1.self_attn.v_proj")),
                                Map.of("model.layers.1.self_attn.v_proj", b.get("model.layers.1.self_attn.v_proj")), 2, 1.5),
                        null, 0).logits(ids[0], null);
                assertThat(TestModels.maxAbsDiff(vLogits, 0, 8, 64, expectedV, 8)).isLessThan(1e-4);
            }
        }
    }

    @Test
    void unsupportedForeignAdaptersAreRefusedWithTheField() throws Exception {
        try (LlamaModel model = TestModels.load(tmp.resolve("base"), GQA, TestModels.randomWeights(GQA, 3));
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(2, 4, 0, List.of("q_proj")), 1)) {
            Path out = tmp.resolve("a");
            lora.save(out);
            String cfg = Files.readString(out.resolve("adapter_config.json"));
            Files.writeString(out.resolve("adapter_config.json"), cfg.replace("\"use_dora\" : false", "\"use_dora\" : true"));
            assertThatThrownBy(() -> LoraAdapter.load(model, out)).hasMessageContaining("use_dora");
            Files.writeString(out.resolve("adapter_config.json"), cfg);
            LlamaConfig other = GQA.toBuilder().hiddenSize(48).numAttentionHeads(4).build();
            try (LlamaModel wrong = TestModels.load(tmp.resolve("other"), other, TestModels.randomWeights(other, 1))) {
                assertThatThrownBy(() -> LoraAdapter.load(wrong, out)).hasMessageContaining("wrong base model");
            }
            Files.delete(out.resolve("adapter_model.safetensors"));
            assertThatThrownBy(() -> LoraAdapter.load(model, out)).hasMessageContaining("adapter_model.safetensors");
        }
    }

    private static float[] gaussian(Random r, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        return v;
    }
}
