package dev.loraforge.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.KvCache;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.reference.ReferenceLlama;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEFT PREFIX_TUNING: parity with the reference, KV cache, gradients, file format. */
class PrefixAdapterTest {

    @TempDir
    Path tmp;

    private static final LlamaConfig GQA = LlamaConfig.builder().numAttentionHeads(4).numKeyValueHeads(2).build();

    @Test
    void prefixLogitsMatchReferenceWithPaddingAndShiftedPositions() {
        Map<String, float[]> weights = TestModels.randomWeights(GQA, 1);
        try (LlamaModel model = TestModels.load(tmp.resolve("base"), GQA, weights);
             PrefixAdapter prefix = PrefixAdapter.create(model, 3, 7);
             NDManager m = model.manager().newSubManager()) {
            int[][] ids = TestModels.randomIds(2, 2, 6, 64);
            NDArray mask = m.create(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, new Shape(2, 6));
            float[] logits = model.forward(TestModels.ids(m, ids), mask, null, prefix).toFloatArray();
            float[] base = model.forward(TestModels.ids(m, ids), mask, null).toFloatArray();
            ReferenceLlama ref = new ReferenceLlama(TestModels.dims(GQA), weights, null,
                    prefix.trainableParameters().get("prompt_embeddings").toFloatArray(), 3);
            assertThat(TestModels.maxAbsDiff(logits, 0, 6, 64, ref.logits(ids[0], null), 6)).isLessThan(1e-4);
            assertThat(TestModels.maxAbsDiff(logits, 1, 6, 64, ref.logits(ids[1], new int[] {1, 1, 1, 1, 0, 0}), 4))
                    .isLessThan(1e-4);
            assertThat(LoraAdapterTest.maxDiff(logits, base)).isGreaterThan(0.01);
        }
    }

    @Test
    void cachedDecodingWithPrefixEqualsFullForward() {
        try (LlamaModel model = TestModels.load(tmp.resolve("base"), GQA, TestModels.randomWeights(GQA, 2));
             PrefixAdapter prefix = PrefixAdapter.create(model, 4, 8);
             NDManager m = model.manager().newSubManager();
             KvCache cache = new KvCache(GQA, m)) {
            int[][] ids = TestModels.randomIds(3, 1, 8, 64);
            float[] full = model.forward(TestModels.ids(m, ids), null, null, prefix).toFloatArray();
            model.forward(TestModels.ids(m, new int[][] {Arrays.copyOf(ids[0], 5)}), null, cache, prefix);
            for (int t = 5; t < 8; t++) {
                float[] step = model.forward(TestModels.ids(m, new int[][] {{ids[0][t]}}), null, cache, prefix).toFloatArray();
                assertThat(LoraAdapterTest.maxDiff(step, Arrays.copyOfRange(full, t * 64, (t + 1) * 64))).isLessThan(1e-5);
            }
            assertThat(cache.prefixLength()).isEqualTo(4);
            assertThat(cache.length()).isEqualTo(8);
        }
    }

    @Test
    void gradientReachesThePrefixAndSavedFormatIsPefts() throws Exception {
        try (LlamaModel model = TestModels.load(tmp.resolve("base"), GQA, TestModels.randomWeights(GQA, 3));
             PrefixAdapter prefix = PrefixAdapter.create(model, 5, 9);
             NDManager m = model.manager().newSubManager()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(model.forward(TestModels.ids(m, TestModels.randomIds(4, 2, 4, 64)), null, null, prefix).square().mean());
            }
            NDArray p = prefix.trainableParameters().get("prompt_embeddings");
            assertThat(Adapter.isAdapterParameter("prompt_embeddings")).isTrue();
            assertThat(p.getGradient().abs().max().getFloat()).isGreaterThan(0f);
            Path out = tmp.resolve("prefix");
            prefix.save(out, "tiny");
            JsonNode cfg = new ObjectMapper().readTree(out.resolve("adapter_config.json").toFile());
            assertThat(cfg.path("peft_type").asText()).isEqualTo("PREFIX_TUNING");
            assertThat(cfg.path("task_type").asText()).isEqualTo("CAUSAL_LM");
            assertThat(cfg.path("num_virtual_tokens").asInt()).isEqualTo(5);
            assertThat(cfg.path("num_layers").asInt()).isEqualTo(2);
            assertThat(cfg.path("num_attention_heads").asInt()).isEqualTo(2);   // PEFT's GQA adjustment: kv heads
            assertThat(cfg.path("token_dim").asInt()).isEqualTo(2 * 8);         // kv heads * head_dim
            assertThat(cfg.path("prefix_projection").asBoolean(true)).isFalse();
            try (SafeTensorsReader r = SafeTensorsReader.open(out.resolve("adapter_model.safetensors"))) {
                assertThat(r.names()).containsExactly("prompt_embeddings");
                assertThat(r.info("prompt_embeddings").shape()).containsExactly(5, 2 * 2 * 2 * 8);
            }
            try (Adapter back = PeftAdapters.load(model, out)) {
                assertThat(back).isInstanceOf(PrefixAdapter.class);
                assertThat(back.trainableParameters().get("prompt_embeddings").toFloatArray()).containsExactly(p.toFloatArray());
            }
        }
    }
}
