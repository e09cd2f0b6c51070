package dev.loraforge.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.lora.PrefixAdapter;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.GradMode;
import dev.loraforge.engine.model.KvCache;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LlamaModel#decodeStep}: sequences of different lengths, each with its own adapter (three LoRA adapters of
 * different ranks and target modules, and the base), decoded together, joining and leaving the batch between steps,
 * give every row the tokens and logits it gets decoded alone.
 */
class BatchedDecodeTest {

    @TempDir
    Path dir;

    private static final int[][] PROMPTS = {{5, 17, 33, 2}, {7, 8}, {9, 10, 11, 12, 13, 14, 15}, {3}};
    private static final int[] NEW_TOKENS = {9, 4, 7, 8};   // row 1 leaves early
    private static final int[] JOINS_AT = {0, 0, 2, 2};     // rows 0 and 1 start together, 2 and 3 join a running batch

    private static LlamaConfig config(boolean sliding) {
        var b = LlamaConfig.builder().numKeyValueHeads(2);
        if (sliding) {
            b.slidingWindow(3).layerTypes(List.of("sliding_attention", "full_attention"));
        }
        return b.build();
    }

    /** How the batch is made: plain layers, sliding layers, or one adapter that only offers adaptLinear. */
    enum Mode { PLAIN, SLIDING, NOT_LOW_RANK }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(Mode.class)
    void everyRowDecodesAsItWouldAlone(Mode mode) {
        LlamaConfig c = config(mode == Mode.SLIDING);
        GradMode.offOnThisThread();
        try (LlamaModel model = TestModels.load(dir, c, TestModels.randomWeights(c, 7));
             LoraAdapter wide = LoraAdapter.create(model, LoraConfig.of(8, 16, 0, List.of("all-linear")), 1);
             LoraAdapter attention = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of("q_proj", "v_proj")), 2);
             LoraAdapter mlp = LoraAdapter.create(model, LoraConfig.of(2, 4, 0, List.of("gate_proj", "up_proj", "down_proj")), 3)) {
            TestModels.randomizeLoraB(wide, 10);
            TestModels.randomizeLoraB(attention, 11);
            TestModels.randomizeLoraB(mlp, 12);
            // BGMV-style stacked factors for LoRA; an adapter that is not plain low-rank terms is applied on its rows
            Adapter fourth = mode == Mode.NOT_LOW_RANK ? opaque(mlp) : mlp;
            Adapter[] adapters = {wide, null, attention, fourth};
            model.setTraining(false);

            List<int[]> aloneTokens = new ArrayList<>();
            List<List<float[]>> aloneLogits = new ArrayList<>();
            for (int r = 0; r < PROMPTS.length; r++) {
                List<float[]> logits = new ArrayList<>();
                aloneTokens.add(alone(model, PROMPTS[r], adapters[r], NEW_TOKENS[r], logits));
                aloneLogits.add(logits);
            }

            try (NDManager m = model.manager().newSubManager()) {
                KvCache[] caches = new KvCache[PROMPTS.length];
                List<List<Integer>> got = new ArrayList<>();
                List<List<float[]>> gotLogits = new ArrayList<>();
                int[] next = new int[PROMPTS.length];
                for (int r = 0; r < PROMPTS.length; r++) {
                    got.add(new ArrayList<>());
                    gotLogits.add(new ArrayList<>());
                }
                double worst = 0;
                for (int step = 0; ; step++) {
                    // the rows joining now prefilled together (prompts of different lengths, left-padded), then one
                    // batched step for the rest
                    List<Integer> joining = new ArrayList<>();
                    for (int r = 0; r < PROMPTS.length; r++) {
                        if (JOINS_AT[r] == step) {
                            joining.add(r);
                            caches[r] = new KvCache(c, m);
                        }
                    }
                    if (!joining.isEmpty()) {
                        int width = joining.stream().mapToInt(r -> PROMPTS[r].length).max().orElseThrow();
                        long[] padded = new long[joining.size() * width];
                        java.util.Arrays.fill(padded, 1);            // padding: any valid id, masked out
                        int[] lengths = new int[joining.size()];
                        for (int k = 0; k < joining.size(); k++) {
                            int[] p = PROMPTS[joining.get(k)];
                            lengths[k] = p.length;
                            for (int j = 0; j < p.length; j++) {
                                padded[k * width + width - p.length + j] = p[j];
                            }
                        }
                        try (NDManager s = m.newSubManager()) {
                            NDArray logits = model.prefillRows(s.create(padded, new Shape(joining.size(), width)), lengths,
                                    joining.stream().map(r -> caches[r]).toList(),
                                    joining.stream().map(r -> adapters[r]).toArray(Adapter[]::new));
                            for (int k = 0; k < joining.size(); k++) {
                                int r = joining.get(k);
                                float[] last = logits.get(k, 0).toFloatArray();
                                gotLogits.get(r).add(last);
                                next[r] = argmax(last);
                                got.get(r).add(next[r]);
                            }
                        }
                    }
                    List<Integer> active = new ArrayList<>();
                    for (int r = 0; r < PROMPTS.length; r++) {
                        if (caches[r] != null && got.get(r).size() < NEW_TOKENS[r]) {
                            active.add(r);
                        }
                    }
                    if (active.isEmpty()) {
                        int now = step;
                        if (Arrays.stream(JOINS_AT).allMatch(j -> j <= now)) {
                            break;
                        }
                        continue;
                    }
                    try (NDManager s = m.newSubManager()) {
                        long[] tokens = active.stream().mapToLong(r -> next[r]).toArray();
                        List<KvCache> rows = active.stream().map(r -> caches[r]).toList();
                        Adapter[] rowAdapters = active.stream().map(r -> adapters[r]).toArray(Adapter[]::new);
                        NDArray logits = model.decodeStep(s.create(tokens, new Shape(tokens.length, 1)), rows, rowAdapters);
                        assertThat(logits.getShape()).isEqualTo(new Shape(active.size(), 1, c.vocabSize()));
                        for (int k = 0; k < active.size(); k++) {
                            int r = active.get(k);
                            float[] row = logits.get(k, 0).toFloatArray();
                            gotLogits.get(r).add(row);
                            next[r] = argmax(row);
                            got.get(r).add(next[r]);
                        }
                    }
                }
                for (int r = 0; r < PROMPTS.length; r++) {
                    assertThat(got.get(r).stream().mapToInt(Integer::intValue).toArray())
                            .as("row %d's tokens (adapter %s)", r, adapters[r] == null ? "none" : r).containsExactly(aloneTokens.get(r));
                    for (int t = 0; t < aloneLogits.get(r).size(); t++) {
                        worst = Math.max(worst, maxAbsDiff(aloneLogits.get(r).get(t), gotLogits.get(r).get(t)));
                    }
                    assertThat(caches[r].length()).isEqualTo(PROMPTS[r].length + NEW_TOKENS[r] - 1);
                }
                assertThat(worst).as("largest logit difference, batched vs alone").isLessThan(1e-4);
                // the adapters' terms matter: the base alone decodes row 0's prompt otherwise
                assertThat(alone(model, PROMPTS[0], null, NEW_TOKENS[0], new ArrayList<>())).isNotEqualTo(aloneTokens.get(0));
                for (KvCache cache : caches) {
                    cache.close();
                }
            }
        }
    }

    @ParameterizedTest(name = "refusal {0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void mismatchesAreRefusedSayingWhy(int which) {
        LlamaConfig c = config(false);
        GradMode.offOnThisThread();
        try (LlamaModel model = TestModels.load(dir, c, TestModels.randomWeights(c, 8));
             LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of("q_proj")), 1);
             PrefixAdapter prefix = PrefixAdapter.create(model, 2, 3);
             NDManager m = model.manager().newSubManager()) {
            model.setTraining(false);
            KvCache filled = new KvCache(c, m);
            model.forward(ids(m, PROMPTS[0]), null, filled, lora);
            KvCache withPrefix = new KvCache(c, m);
            model.forward(ids(m, PROMPTS[1]), null, withPrefix, prefix);
            NDArray one = m.create(new long[] {4}, new Shape(1, 1));
            switch (which) {
                case 0 -> assertThatThrownBy(() -> model.decodeStep(one, List.of(new KvCache(c, m)), new Adapter[] {null}))
                        .hasMessageContaining("prefill its prompt first");
                case 1 -> assertThatThrownBy(() -> model.decodeStep(one, List.of(filled), new Adapter[] {null}))
                        .hasMessageContaining("filled with a different adapter");
                case 2 -> assertThatThrownBy(() -> model.decodeStep(one, List.of(withPrefix), new Adapter[] {prefix}))
                        .hasMessageContaining("prefix-tuning adapter");
                default -> assertThatThrownBy(() -> model.prefillRows(one, new int[] {1}, List.of(filled), new Adapter[] {lora}))
                        .hasMessageContaining("already holds tokens");
            }
        }
    }

    /** The adapter's effect without its factors: batches holding it take the per-adapter path. */
    private static Adapter opaque(LoraAdapter inner) {
        return new Adapter() {
            @Override
            public String peftType() {
                return inner.peftType();
            }

            @Override
            public Map<String, NDArray> trainableParameters() {
                return inner.trainableParameters();
            }

            @Override
            public void save(Path adapterDir) {
                inner.save(adapterDir);
            }

            @Override
            public NDArray adaptLinear(int layer, String module, NDArray x, NDArray y, boolean training) {
                return inner.adaptLinear(layer, module, x, y, training);
            }

            @Override
            public void close() {
            }
        };
    }

    /** Greedy decoding of one sequence on its own (B = 1, its own cache), recording each step's logits. */
    private static int[] alone(LlamaModel model, int[] prompt, Adapter adapter, int n, List<float[]> logitsOut) {
        int[] out = new int[n];
        try (NDManager m = model.manager().newSubManager(); KvCache cache = new KvCache(model.config(), m)) {
            int[] input = prompt;
            for (int i = 0; i < n; i++) {
                try (NDManager s = m.newSubManager()) {
                    NDArray logits = model.forward(ids(s, input), null, cache, adapter);
                    float[] last = logits.get(0, input.length - 1).toFloatArray();
                    logitsOut.add(last);
                    out[i] = argmax(last);
                    input = new int[] {out[i]};
                }
            }
        }
        return out;
    }

    private static NDArray ids(NDManager m, int[] ids) {
        return m.create(Arrays.stream(ids).asLongStream().toArray(), new Shape(1, ids.length));
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

}
