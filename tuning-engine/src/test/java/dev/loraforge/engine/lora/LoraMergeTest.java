package dev.loraforge.engine.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.loraforge.engine.io.SafeDType;
import dev.loraforge.engine.io.SafeTensorsReader;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Merging W' = W + scaling B A into a full model directory. */
class LoraMergeTest {

    @TempDir
    Path tmp;

    @Test
    void mergedModelReproducesAdaptedLogits() throws Exception {
        LlamaConfig c = LlamaConfig.builder().numKeyValueHeads(2).tieWordEmbeddings(true).build();
        Path base = tmp.resolve("base");
        TestModels.write(base, c, TestModels.randomWeights(c, 6), SafeDType.F32);
        Files.writeString(base.resolve("tokenizer.json"), "{\"version\":\"1.0\"}");
        int[][] ids = TestModels.randomIds(2, 2, 10, 64);
        float[] adapted;
        try (LlamaModel model = LlamaModel.load(base);
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of("all-linear")), 3);
             NDManager m = model.manager().newSubManager()) {
            LoraTestSupport.randomizeB(lora, 1, 0.2);
            adapted = model.forward(TestModels.ids(m, ids), null, null, lora).toFloatArray();
            float[] base0 = model.forward(TestModels.ids(m, ids), null, null).toFloatArray();
            assertThat(LoraAdapterTest.maxDiff(adapted, base0)).isGreaterThan(0.1);
            lora.save(tmp.resolve("adapter"));
        }
        LoraMerge.merge(base, tmp.resolve("adapter"), tmp.resolve("merged"));
        assertThat(tmp.resolve("merged/tokenizer.json")).hasContent("{\"version\":\"1.0\"}");
        assertThat(tmp.resolve("merged/config.json")).hasSameTextualContentAs(base.resolve("config.json"));
        try (SafeTensorsReader r = SafeTensorsReader.openModel(tmp.resolve("merged"))) {
            assertThat(r.names()).doesNotContain("lm_head.weight").contains("model.layers.1.mlp.down_proj.weight");
        }
        try (LlamaModel merged = LlamaModel.load(tmp.resolve("merged"));
             NDManager m = merged.manager().newSubManager()) {
            float[] logits = merged.forward(TestModels.ids(m, ids), null, null).toFloatArray();
            assertThat(LoraAdapterTest.maxDiff(adapted, logits)).isLessThan(1e-4);
        }
    }

    @Test
    void nanAdapterIsRefusedAndNothingWritten() {
        LlamaConfig c = LlamaConfig.builder().build();
        try (LlamaModel model = TestModels.load(tmp.resolve("base"), c, TestModels.randomWeights(c, 6));
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(2, 4, 0, List.of("o_proj")), 3)) {
            String key = PeftKeys.loraB(1, "o_proj");
            float[] bad = new float[32 * 2];
            bad[5] = Float.NaN;
            LoraAdapter.copyInto(lora.trainableParameters().get(key), bad, new long[] {32, 2}, key);
            assertThatThrownBy(() -> LoraMerge.merge(model, lora, tmp.resolve("out")))
                    .hasMessageContaining("model.layers.1.self_attn.o_proj.weight").hasMessageContaining("NaN");
            assertThat(tmp.resolve("out/model.safetensors")).doesNotExist();
        }
    }
}
