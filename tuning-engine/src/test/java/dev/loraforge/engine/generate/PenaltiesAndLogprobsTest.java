package dev.loraforge.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI's presence and frequency penalties and per-token log-probabilities: the generators' tokens against a
 * reference written here from the rule (the whole sequence re-run without a cache, penalties applied in plain Java),
 * log-probabilities against a double-precision log-softmax and a full sort, and the batched path equal to the one
 * alone with both.
 */
class PenaltiesAndLogprobsTest {

    @TempDir
    Path dir;

    private static final LlamaConfig C = LlamaConfig.builder().numKeyValueHeads(2).eosTokenIds(List.of(63)).build();

    @Test
    void logprobsAreTheLogSoftmaxAndTheTopAreTheMostProbableFirst() {
        Random random = new Random(1);
        for (int trial = 0; trial < 20; trial++) {
            float[] logits = new float[50 + random.nextInt(200)];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) (random.nextGaussian() * 4);
            }
            logits[7] = logits[3]; // a tie: the lower id first
            int chosen = random.nextInt(logits.length);
            int k = random.nextInt(GenerationOptions.MAX_TOP_LOGPROBS + 1);
            TokenLogprobs lp = TokenLogprobs.of(logits, chosen, k);
            double[] reference = logSoftmax(logits);
            assertThat(lp.token()).isEqualTo(chosen);
            assertThat(lp.logprob()).isCloseTo(reference[chosen], within(1e-9));
            Integer[] order = new Integer[logits.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
            assertThat(lp.topTokens()).hasSize(k);
            for (int j = 0; j < k; j++) {
                assertThat(lp.topTokens()[j]).as("trial %d, rank %d", trial, j).isEqualTo(order[j]);
                assertThat(lp.topLogprobs()[j]).isCloseTo(reference[order[j]], within(1e-9));
            }
        }
    }

    @Test
    void penaltiesFollowTheRuleAndChangeWhatIsGenerated() throws Exception {
        try (LlamaModel model = TestModels.load(dir, C, TestModels.randomWeights(C, 21))) {
            model.setTraining(false);
            Generator generator = new Generator(model);
            int[] prompt = {5, 9, 5, 9};
            for (double[] p : new double[][] {{0, 0}, {0, 1.5}, {1.0, 0}, {0.5, 2}, {-1, -0.5}}) {
                GenerationOptions options = GenerationOptions.greedy(24).withEos(List.of(-1)).withPenalties(p[0], p[1]);
                int[] got = generator.generate(prompt, null, options).tokens();
                assertThat(got).as("presence %s, frequency %s", p[0], p[1])
                        .containsExactly(reference(model, prompt, 24, p[0], p[1]));
            }
            int[] plain = generator.generate(prompt, null, GenerationOptions.greedy(24).withEos(List.of(-1))).tokens();
            int[] penalized = generator.generate(prompt, null,
                    GenerationOptions.greedy(24).withEos(List.of(-1)).withPenalties(2, 2)).tokens();
            assertThat(distinct(plain)).as("the random model repeats itself greedily").isLessThan(plain.length);
            assertThat(distinct(penalized)).as("penalties push it towards new tokens").isGreaterThan(distinct(plain));
        }
    }

    @Test
    void theBatchedPathGivesTheSameTokensAndLogprobsAsAlone() throws Exception {
        try (LlamaModel model = TestModels.load(dir, C, TestModels.randomWeights(C, 22));
             LoraAdapter adapter = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of("q_proj", "v_proj")), 1);
             BatchingGenerator batcher = new BatchingGenerator(model, new BatchingGenerator.Limits(8, 10_000, 16), "t")) {
            TestModels.randomizeLoraB(adapter, 5);
            model.setTraining(false);
            GenerationOptions sampled = GenerationOptions.greedy(16).withEos(List.of(-1)).withSampling(0.9, 0.95, 11)
                    .withPenalties(0.4, 0.6).withLogprobs(5);
            GenerationOptions greedy = GenerationOptions.greedy(10).withPenalties(1, 0).withLogprobs(0);
            Generator alone = new Generator(model);
            int[][] prompts = {{3, 4, 5}, {8}, {3, 4, 5}};
            GenerationOptions[] options = {sampled, greedy, sampled.withSeed(12)};
            LoraAdapter[] adapters = {adapter, null, adapter};
            List<List<TokenLogprobs>> expected = new ArrayList<>();
            List<int[]> expectedTokens = new ArrayList<>();
            for (int i = 0; i < prompts.length; i++) {
                List<TokenLogprobs> lps = new ArrayList<>();
                expectedTokens.add(alone.generate(prompts[i], adapters[i], options[i], (t, lp) -> lps.add(lp)).tokens());
                expected.add(lps);
            }
            assertThat(expectedTokens.get(0)).as("another seed, another choice").isNotEqualTo(expectedTokens.get(2));
            java.util.concurrent.Semaphore signals = new java.util.concurrent.Semaphore(0);
            List<BatchingGenerator.Request> requests = new ArrayList<>();
            for (int i = 0; i < prompts.length; i++) {
                requests.add(batcher.submit(prompts[i], adapters[i], options[i], signals::release));
            }
            for (int i = 0; i < prompts.length; i++) {
                BatchingGenerator.Request r = requests.get(i);
                List<Integer> tokens = new ArrayList<>();
                int t;
                int k = 0;
                while ((t = r.next(Duration.ofSeconds(60))) >= 0) {
                    tokens.add(t);
                    TokenLogprobs want = expected.get(i).get(k++);
                    TokenLogprobs got = r.lastLogprobs();
                    assertThat(got.token()).isEqualTo(t);
                    assertThat(got.logprob()).isCloseTo(want.logprob(), within(1e-4));
                    assertThat(got.topTokens()).containsExactly(want.topTokens());
                    assertThat(got.topLogprobs().length).isEqualTo(options[i].topLogprobs());
                    assertThat(got.logprob()).isLessThanOrEqualTo(0);
                }
                assertThat(tokens).as("request %d", i).containsExactlyElementsOf(
                        Arrays.stream(expectedTokens.get(i)).boxed().toList());
            }
            // the decoding thread signals right after queueing, so the last signal may follow the reader's last read
            int expectedSignals = Arrays.stream(expectedTokens.toArray(int[][]::new)).mapToInt(a -> a.length + 1).sum();
            assertThat(signals.tryAcquire(expectedSignals, 30, java.util.concurrent.TimeUnit.SECONDS))
                    .as("the reader was signalled for each token and end").isTrue();
            assertThat(signals.availablePermits()).as("and not more").isZero();
        }
    }

    /** Greedy decoding with the penalties, re-running the whole sequence each step (no cache), in plain Java. */
    private static int[] reference(LlamaModel model, int[] prompt, int steps, double presence, double frequency) {
        List<Integer> seq = new ArrayList<>();
        Arrays.stream(prompt).forEach(seq::add);
        Map<Integer, Integer> counts = new HashMap<>();
        int[] out = new int[steps];
        for (int s = 0; s < steps; s++) {
            float[] logits;
            try (NDManager m = model.manager().newSubManager()) {
                NDArray ids = m.create(seq.stream().mapToLong(Integer::longValue).toArray(), new Shape(1, seq.size()));
                logits = model.forward(ids, null, null).get(0, seq.size() - 1).toFloatArray();
            }
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < logits.length; v++) {
                int c = counts.getOrDefault(v, 0);
                double score = logits[v] - c * frequency - (c > 0 ? presence : 0);
                if (score > bestScore) {
                    bestScore = score;
                    best = v;
                }
            }
            out[s] = best;
            counts.merge(best, 1, Integer::sum);
            seq.add(best);
        }
        return out;
    }

    private static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - max - Math.log(sum);
        }
        return out;
    }

    private static long distinct(int[] tokens) {
        return Arrays.stream(tokens).distinct().count();
    }
}
