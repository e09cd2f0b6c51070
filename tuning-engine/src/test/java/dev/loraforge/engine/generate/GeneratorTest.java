package dev.loraforge.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.lora.PrefixAdapter;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KV-cache decoding, sampling, EOS and per-call adapters on one base. */
class GeneratorTest {

    @TempDir
    Path dir;

    private static final LlamaConfig C = LlamaConfig.builder().numKeyValueHeads(2).eosTokenIds(List.of(63)).build();
    private static final int[] PROMPT = {5, 17, 33, 2};

    @Test
    void greedyWithCacheEqualsArgmaxOfFullForwards() {
        try (LlamaModel model = TestModels.load(dir, C, TestModels.randomWeights(C, 1))) {
            GenerationResult r = new Generator(model).generate(PROMPT, null, GenerationOptions.greedy(12));
            int[] expected = greedyWithoutCache(model, null, PROMPT, r.tokens().length);
            assertThat(r.tokens()).containsExactly(expected);
        }
    }

    @Test
    void stopsAtEosWithoutEmittingIt() {
        try (LlamaModel model = TestModels.load(dir, C, TestModels.randomWeights(C, 2))) {
            Generator g = new Generator(model);
            int[] free = g.generate(PROMPT, null, GenerationOptions.greedy(10)).tokens();
            int cut = firstNewIndex(free);
            GenerationResult stopped = g.generate(PROMPT, null, GenerationOptions.greedy(10).withEos(List.of(free[cut])));
            assertThat(stopped.finishReason()).isEqualTo("stop");
            assertThat(stopped.tokens()).containsExactly(Arrays.copyOf(free, cut));
            GenerationResult length = g.generate(PROMPT, null, GenerationOptions.greedy(3).withEos(List.of(free[cut])));
            assertThat(length.tokens().length).isLessThanOrEqualTo(3);
        }
    }

    @Test
    void seededSamplingIsReproducibleAndTopPNarrowsChoices() {
        try (LlamaModel model = TestModels.load(dir, C, TestModels.randomWeights(C, 3))) {
            Generator g = new Generator(model);
            GenerationOptions opts = GenerationOptions.greedy(20).withEos(List.of(63)).withSampling(1.5, 1.0, 42);
            int[] a = g.generate(PROMPT, null, opts).tokens();
            int[] b = g.generate(PROMPT, null, opts).tokens();
            int[] c = g.generate(PROMPT, null, opts.withSampling(1.5, 1.0, 43)).tokens();
            assertThat(b).containsExactly(a);
            assertThat(c).isNotEqualTo(a);
            int[] tiny = g.generate(PROMPT, null, opts.withSampling(1.5, 1e-6, 7)).tokens();
            int[] greedy = g.generate(PROMPT, null, GenerationOptions.greedy(20).withEos(List.of(63))).tokens();
            assertThat(tiny).as("top_p -> 0 keeps only the most probable token").containsExactly(greedy);
        }
    }

    @Test
    void oneBaseServesSeveralAdaptersChosenPerCall() {
        try (LlamaModel model = TestModels.load(dir, C, TestModels.randomWeights(C, 4));
             LoraAdapter pirate = LoraAdapter.create(model, LoraConfig.of(4, 16, 0, List.of("all-linear")), 1);
             LoraAdapter poet = LoraAdapter.create(model, LoraConfig.of(4, 16, 0, List.of("all-linear")), 2);
             PrefixAdapter prefix = PrefixAdapter.create(model, 2, 3)) {
            TestModels.randomizeLoraB(pirate, 10);
            TestModels.randomizeLoraB(poet, 11);
            Generator g = new Generator(model);
            GenerationOptions opts = GenerationOptions.greedy(8).withEos(List.of(63));
            int[] base = g.generate(PROMPT, null, opts).tokens();
            int[] p1 = g.generate(PROMPT, pirate, opts).tokens();
            int[] q1 = g.generate(PROMPT, poet, opts).tokens();
            int[] x1 = g.generate(PROMPT, prefix, opts).tokens();
            assertThat(g.generate(PROMPT, pirate, opts).tokens()).containsExactly(p1);
            assertThat(g.generate(PROMPT, null, opts).tokens()).containsExactly(base);
            assertThat(List.of(Arrays.toString(base), Arrays.toString(p1), Arrays.toString(q1), Arrays.toString(x1)))
                    .doesNotHaveDuplicates();
            assertThat(p1).containsExactly(greedyWithoutCache(model, pirate, PROMPT, p1.length));
            assertThat(x1).containsExactly(greedyWithoutCache(model, prefix, PROMPT, x1.length));
        }
    }

    @Test
    void refusesTrainingModeAndEmptyPrompts() {
        try (LlamaModel model = TestModels.load(dir, C, TestModels.randomWeights(C, 5))) {
            Generator g = new Generator(model);
            assertThatThrownBy(() -> g.generate(new int[0], null, GenerationOptions.greedy(2))).hasMessageContaining("no tokens");
            model.setTraining(true);
            assertThatThrownBy(() -> g.generate(PROMPT, null, GenerationOptions.greedy(2))).hasMessageContaining("setTraining(false)");
            assertThatThrownBy(() -> GenerationOptions.greedy(0)).hasMessageContaining("max_new_tokens");
            assertThatThrownBy(() -> GenerationOptions.greedy(2).withSampling(1, 0, 1)).hasMessageContaining("top_p");
        }
    }

    /** Greedy decoding recomputing the whole sequence each step (no cache). */
    static int[] greedyWithoutCache(LlamaModel model, Adapter adapter, int[] prompt, int steps) {
        List<Integer> seq = new ArrayList<>();
        for (int p : prompt) {
            seq.add(p);
        }
        int[] out = new int[steps];
        for (int s = 0; s < steps; s++) {
            try (NDManager m = model.manager().newSubManager()) {
                int[][] ids = {seq.stream().mapToInt(Integer::intValue).toArray()};
                float[] logits = model.forward(TestModels.ids(m, ids), null, null, adapter).toFloatArray();
                int v = model.config().vocabSize();
                out[s] = TokenSampler.argmax(Arrays.copyOfRange(logits, (seq.size() - 1) * v, seq.size() * v));
                seq.add(out[s]);
            }
        }
        return out;
    }

    /** Index of the first generated token that did not appear earlier in the output (a usable EOS). */
    private static int firstNewIndex(int[] tokens) {
        for (int i = 1; i < tokens.length; i++) {
            final int t = tokens[i];
            if (Arrays.stream(tokens, 0, i).noneMatch(x -> x == t)) {
                return i;
            }
        }
        throw new AssertionError("no suitable EOS candidate in " + Arrays.toString(tokens));
    }

}
