package dev.loraforge.engine.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.LlamaConfig;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.reference.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous batching: requests for three adapters and the base, greedy and seeded-sampled, submitted together and
 * decoded in shared steps, each give what {@link Generator} gives alone; a cancelled request frees its cache at once;
 * load beyond the queue bound is refused.
 */
class BatchingGeneratorTest {

    @TempDir
    Path dir;

    private static final LlamaConfig C = LlamaConfig.builder().numKeyValueHeads(2).eosTokenIds(List.of(63)).build();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private record Job(int[] prompt, Adapter adapter, GenerationOptions options) {
    }

    @Test
    void requestsDecodedTogetherGiveWhatEachGivesAlone() throws Exception {
        try (LlamaModel model = TestModels.load(dir, C, TestModels.randomWeights(C, 5));
             LoraAdapter wide = LoraAdapter.create(model, LoraConfig.of(8, 16, 0, List.of("all-linear")), 1);
             LoraAdapter attention = LoraAdapter.create(model, LoraConfig.of(4, 8, 0, List.of("q_proj", "v_proj")), 2);
             LoraAdapter mlp = LoraAdapter.create(model, LoraConfig.of(2, 4, 0, List.of("down_proj")), 3);
             BatchingGenerator batcher = new BatchingGenerator(model, new BatchingGenerator.Limits(8, 10_000, 16), "batch-test")) {
            TestModels.randomizeLoraB(wide, 10);
            TestModels.randomizeLoraB(attention, 11);
            TestModels.randomizeLoraB(mlp, 12);
            model.setTraining(false);
            GenerationOptions greedy = GenerationOptions.greedy(12);
            List<Job> jobs = List.of(
                    new Job(new int[] {5, 17, 33, 2}, wide, greedy),
                    new Job(new int[] {7, 8}, null, greedy.withSampling(1.2, 0.9, 42)),
                    new Job(new int[] {9, 10, 11, 12, 13, 14, 15}, attention, GenerationOptions.greedy(5)),
                    new Job(new int[] {3}, mlp, greedy.withSampling(0.8, 1.0, 7)),
                    new Job(new int[] {5, 17, 33, 2}, wide, greedy.withSampling(1.0, 0.95, 3)),
                    new Job(new int[] {40, 41}, null, GenerationOptions.greedy(20)));
            Generator alone = new Generator(model);
            List<GenerationResult> expected = new ArrayList<>();
            for (Job j : jobs) {
                expected.add(alone.generate(j.prompt(), j.adapter(), j.options()));
            }
            List<BatchingGenerator.Request> requests = new ArrayList<>();
            for (Job j : jobs) {
                requests.add(batcher.submit(j.prompt(), j.adapter(), j.options()));
            }
            for (int i = 0; i < jobs.size(); i++) {
                BatchingGenerator.Request r = requests.get(i);
                List<Integer> streamed = new ArrayList<>();
                int t;
                while ((t = r.next(WAIT)) >= 0) {
                    streamed.add(t);
                }
                assertThat(t).as("request %d ended", i).isEqualTo(-1);
                assertThat(r.result().tokens()).as("request %d's tokens", i).containsExactly(expected.get(i).tokens());
                assertThat(r.result().finishReason()).as("request %d", i).isEqualTo(expected.get(i).finishReason());
                assertThat(streamed).as("streamed = result").containsExactlyElementsOf(
                        java.util.Arrays.stream(r.result().tokens()).boxed().toList());
            }
            assertThat(batcher.steps()).as("shared steps, fewer than the tokens decoded").isPositive()
                    .isLessThan(expected.stream().mapToLong(g -> g.tokens().length).sum());
            until(() -> batcher.kvTokensInUse() == 0);
        }
    }

    @Test
    void aCancelledRequestFreesItsCacheAndTheQueueIsBounded() throws Exception {
        try (LlamaModel model = TestModels.load(dir, C, TestModels.randomWeights(C, 6));
             BatchingGenerator batcher = new BatchingGenerator(model, new BatchingGenerator.Limits(1, 120, 1), "batch-test")) {
            model.setTraining(false);
            GenerationOptions longRun = new GenerationOptions(100, 1.0, 1.0, 1, List.of(-1)); // no EOS: runs to 100
            BatchingGenerator.Request running = batcher.submit(new int[] {1, 2, 3}, null, longRun);
            assertThat(running.next(WAIT)).isGreaterThanOrEqualTo(0);
            assertThat(batcher.kvTokensInUse()).isEqualTo(103);
            // one batch row and a 120-position budget: the next waits (the queue holds one), the one after is refused
            BatchingGenerator.Request queued = batcher.submit(new int[] {4}, null, GenerationOptions.greedy(10));
            assertThatThrownBy(() -> batcher.submit(new int[] {5}, null, GenerationOptions.greedy(10)))
                    .isInstanceOf(BatchingGenerator.Overloaded.class).hasMessageContaining("waiting")
                    .satisfies(e -> assertThat(((BatchingGenerator.Overloaded) e).everFits()).isTrue());
            assertThatThrownBy(() -> batcher.submit(new int[] {5, 6}, null, GenerationOptions.greedy(200)))
                    .isInstanceOf(BatchingGenerator.Overloaded.class).hasMessageContaining("budget")
                    .satisfies(e -> assertThat(((BatchingGenerator.Overloaded) e).everFits()).isFalse());
            running.cancel();
            while (running.next(WAIT) >= 0) {
                // drain what was decoded before the cancel took effect
            }
            assertThat(running.result().finishReason()).isEqualTo("cancelled");
            assertThat(running.result().tokens().length).isLessThan(100);
            // its cache is gone: the queued request runs, and when it ends nothing is reserved
            int t;
            while ((t = queued.next(WAIT)) >= 0) {
                assertThat(t).isNotNegative();
            }
            assertThat(queued.result()).isNotNull();
            until(() -> batcher.kvTokensInUse() == 0);
            assertThat(batcher.load()).containsExactly(0, 0);
        }
    }

    @Test
    void aRequestThatFailsFailsAloneAndSaysWhy() throws Exception {
        try (LlamaModel model = TestModels.load(dir, C, TestModels.randomWeights(C, 9));
             BatchingGenerator batcher = new BatchingGenerator(model, new BatchingGenerator.Limits(8, 10_000, 16), "batch-test")) {
            model.setTraining(false);
            GenerationOptions greedy = GenerationOptions.greedy(6);
            int[] good = {5, 17, 33, 2};
            GenerationResult alone = new Generator(model).generate(good, null, greedy);
            // submitted together: they may be prefilled in one forward, where the bad one's ids are refused
            BatchingGenerator.Request bad = batcher.submit(new int[] {3, C.vocabSize() + 5}, null, greedy);
            BatchingGenerator.Request fine = batcher.submit(good, null, greedy);
            assertThatThrownBy(() -> {
                while (bad.next(WAIT) >= 0) {
                    // no token comes
                }
            }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token ids must be in [0, " + C.vocabSize());
            while (fine.next(WAIT) >= 0) {
                // drain
            }
            assertThat(fine.result().tokens()).containsExactly(alone.tokens());
            until(() -> batcher.kvTokensInUse() == 0);
        }
    }

    private static void until(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within " + WAIT).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

}
