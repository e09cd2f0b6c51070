package dev.loraforge.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.loraforge.engine.reference.ReferenceLlama;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Properties of the forward pass: causality, padding, GQA, KV cache, memory discipline. */
class LlamaModelBehaviourTest {

    @TempDir
    Path dir;

    private static final LlamaConfig GQA = LlamaConfig.builder().numAttentionHeads(4).numKeyValueHeads(2).build();

    @Test
    void laterTokensDoNotChangeEarlierLogits() {
        try (LlamaModel model = TestModels.load(dir, GQA, TestModels.randomWeights(GQA, 1));
             NDManager m = model.manager().newSubManager()) {
            int[][] a = TestModels.randomIds(1, 1, 12, 64);
            int[][] b = {a[0].clone()};
            for (int t = 7; t < 12; t++) {
                b[0][t] = (b[0][t] + 13) % 64;
            }
            float[] la = model.forward(TestModels.ids(m, a), null, null).toFloatArray();
            float[] lb = model.forward(TestModels.ids(m, b), null, null).toFloatArray();
            for (int i = 0; i < 7 * 64; i++) {
                assertThat(lb[i]).isEqualTo(la[i]);
            }
            assertThat(maxDiff(la, lb, 7 * 64, 12 * 64)).as("later positions do change").isGreaterThan(1e-3);
        }
    }

    @Test
    void rightPaddingLeavesRealTokensAsIfUnpadded() {
        try (LlamaModel model = TestModels.load(dir, GQA, TestModels.randomWeights(GQA, 2));
             NDManager m = model.manager().newSubManager()) {
            int[][] both = TestModels.randomIds(2, 2, 9, 64);
            int[][] shortAlone = {java.util.Arrays.copyOf(both[1], 6)};
            long[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
            NDArray maskArray = m.create(mask, new Shape(2, 9));
            float[] padded = model.forward(TestModels.ids(m, both), maskArray, null).toFloatArray();
            both[1][7] = 0; // a different pad token id changes nothing for the real tokens
            float[] padded2 = model.forward(TestModels.ids(m, both), maskArray, null).toFloatArray();
            float[] alone = model.forward(TestModels.ids(m, shortAlone), null, null).toFloatArray();
            for (int t = 0; t < 6; t++) {
                for (int v = 0; v < 64; v++) {
                    assertThat((double) padded[(9 + t) * 64 + v]).isCloseTo(alone[t * 64 + v], org.assertj.core.data.Offset.offset(1e-5));
                    assertThat(padded2[(9 + t) * 64 + v]).isEqualTo(padded[(9 + t) * 64 + v]);
                }
            }
        }
    }

    @Test
    void leftPaddingMatchesReferenceWithTheSameMask() {
        Map<String, float[]> weights = TestModels.randomWeights(GQA, 3);
        try (LlamaModel model = TestModels.load(dir, GQA, weights);
             NDManager m = model.manager().newSubManager()) {
            int[][] ids = TestModels.randomIds(4, 1, 8, 64);
            int[] mask = {0, 0, 0, 1, 1, 1, 1, 1};
            NDArray logits = model.forward(TestModels.ids(m, ids), m.create(new long[] {0, 0, 0, 1, 1, 1, 1, 1}, new Shape(1, 8)), null);
            float[] flat = logits.toFloatArray();
            assertThat(logits.isNaN().any().getBoolean()).isFalse();
            double[][] ref = new ReferenceLlama(TestModels.dims(GQA), weights).logits(ids[0], mask);
            double max = 0;
            for (int t = 3; t < 8; t++) {
                for (int v = 0; v < 64; v++) {
                    max = Math.max(max, Math.abs(flat[t * 64 + v] - ref[t][v]));
                }
            }
            assertThat(max).isLessThan(1e-4);
        }
    }

    @Test
    void groupedQueryAttentionEqualsStandardAttentionWithRepeatedHeads() {
        Map<String, float[]> gqa = TestModels.randomWeights(GQA, 4);
        LlamaConfig mha = GQA.toBuilder().numKeyValueHeads(4).build();
        Map<String, float[]> repeated = new LinkedHashMap<>(gqa);
        int hd = GQA.headDim();
        for (int l = 0; l < 2; l++) {
            for (String p : new String[] {"k_proj", "v_proj"}) {
                String name = "model.layers." + l + ".self_attn." + p + ".weight";
                float[] w = gqa.get(name); // (2*hd, 32)
                float[] r = new float[4 * hd * 32];
                for (int head = 0; head < 4; head++) {
                    // repeat_kv: query head h reads key/value head h / (heads / kvHeads)
                    System.arraycopy(w, (head / 2) * hd * 32, r, head * hd * 32, hd * 32);
                }
                repeated.put(name, r);
            }
        }
        int[][] ids = TestModels.randomIds(5, 2, 10, 64);
        try (LlamaModel a = TestModels.load(dir.resolve("gqa"), GQA, gqa);
             LlamaModel b = TestModels.load(dir.resolve("mha"), mha, repeated);
             NDManager m = a.manager().newSubManager()) {
            float[] la = a.forward(TestModels.ids(m, ids), null, null).toFloatArray();
            try (NDManager mb = b.manager().newSubManager()) {
                float[] lb = b.forward(TestModels.ids(mb, ids), null, null).toFloatArray();
                assertThat(maxDiff(la, lb, 0, la.length)).isLessThan(1e-5);
            }
        }
    }

    @Test
    void kvCacheStepsGiveTheFullSequenceLogits() {
        try (LlamaModel model = TestModels.load(dir, GQA, TestModels.randomWeights(GQA, 5));
             NDManager m = model.manager().newSubManager()) {
            int[][] ids = TestModels.randomIds(6, 1, 11, 64);
            float[] full = model.forward(TestModels.ids(m, ids), null, null).toFloatArray();
            try (KvCache cache = new KvCache(GQA, m)) {
                int[][] prompt = {java.util.Arrays.copyOf(ids[0], 5)};
                float[] first = model.forward(TestModels.ids(m, prompt), null, cache).toFloatArray();
                assertThat(maxDiff(first, java.util.Arrays.copyOf(full, 5 * 64), 0, 5 * 64)).isLessThan(1e-5);
                for (int t = 5; t < 11; t++) {
                    float[] step = model.forward(TestModels.ids(m, new int[][] {{ids[0][t]}}), null, cache).toFloatArray();
                    assertThat(maxDiff(step, java.util.Arrays.copyOfRange(full, t * 64, (t + 1) * 64), 0, 64))
                            .as("position %d", t).isLessThan(1e-5);
                }
                assertThat(cache.length()).isEqualTo(11);
            }
        }
    }

    @Test
    void forwardLeavesNothingInTheModelManager() {
        try (LlamaModel model = TestModels.load(dir, GQA, TestModels.randomWeights(GQA, 6))) {
            int[][] ids = TestModels.randomIds(7, 2, 16, 64);
            try (NDManager warm = model.manager().newSubManager()) {
                model.forward(TestModels.ids(warm, ids), null, null); // builds the cached tables once
            }
            int before = model.manager().getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                try (NDManager step = model.manager().newSubManager()) {
                    model.forward(TestModels.ids(step, ids), step.ones(new Shape(2, 16)), null);
                }
            }
            assertThat(model.manager().getManagedArrays()).hasSize(before);
        }
    }

    @Test
    void badInputsAreRefusedClearly() {
        try (LlamaModel model = TestModels.load(dir, GQA, TestModels.randomWeights(GQA, 7));
             NDManager m = model.manager().newSubManager()) {
            assertThatThrownBy(() -> model.forward(TestModels.ids(m, new int[][] {{1, 64}}), null, null))
                    .hasMessageContaining("token ids must be in [0, 64)");
            assertThatThrownBy(() -> model.forward(TestModels.ids(m, new int[][] {{1, 2}}), m.ones(new Shape(1, 3)), null))
                    .hasMessageContaining("attentionMask must be (batch, past + tokens)");
            assertThatThrownBy(() -> model.forward(m.create(new long[] {1, 2, 3}), null, null))
                    .hasMessageContaining("(batch, tokens)");
            int[][] tooLong = new int[1][257];
            assertThatThrownBy(() -> model.forward(TestModels.ids(m, tooLong), null, null))
                    .hasMessageContaining("max_position_embeddings");
        }
    }

    static double maxDiff(float[] a, float[] b, int from, int to) {
        double max = 0;
        for (int i = from; i < to; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
