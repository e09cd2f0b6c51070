package dev.loraforge.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.loraforge.engine.data.Batch;
import dev.loraforge.engine.data.EncodedPreference;
import dev.loraforge.engine.fixtures.PreferencePairs;
import dev.loraforge.engine.lora.LoraAdapter;
import dev.loraforge.engine.lora.LoraConfig;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.GradMode;
import dev.loraforge.engine.model.LlamaModel;
import dev.loraforge.engine.model.Ops;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DPO loss against an independent implementation: per-token log-softmax in plain Java (double) from the model's
 * own logits of each sequence run alone (no padding), summed over the response tokens, and the sigmoid loss; the
 * engine's gradient against a central finite difference of that plain-Java loss.
 */
class DpoLossTest {

    @TempDir
    static Path modelDir;
    static List<EncodedPreference> pairs;
    static int padId;

    @BeforeAll
    static void setUp() throws Exception {
        PreferencePairs.Encoded encoded = PreferencePairs.tinyModelPairs(modelDir, 3, 96);
        pairs = encoded.pairs();
        padId = encoded.padId();
    }

    /** Sum over the response of log p(token | prefix), from the logits of the sequence run alone, in double. */
    static double plainLogp(LlamaModel model, Adapter adapterOrNull, int[] prompt, int[] response) {
        int n = prompt.length + response.length;
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i < prompt.length ? prompt[i] : response[i - prompt.length];
        }
        try (NDManager m = model.manager().newSubManager()) {
            float[] logits = model.forward(m.create(ids, new Shape(1, n)), null, null, adapterOrNull).toFloatArray(); // (1, n, V)
            int v = logits.length / n;
            double sum = 0;
            for (int t = prompt.length; t < n; t++) {        // token t predicted at position t - 1
                int at = (t - 1) * v;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < v; k++) {
                    max = Math.max(max, logits[at + k]);
                }
                double z = 0;
                for (int k = 0; k < v; k++) {
                    z += Math.exp(logits[at + k] - max);
                }
                sum += logits[at + (int) ids[t]] - max - Math.log(z);
            }
            return sum;
        }
    }

    /** Mean sigmoid DPO loss over the pairs, written from the paper's formula. */
    static double plainLoss(LlamaModel model, Adapter adapter, double beta) {
        double total = 0;
        for (EncodedPreference p : pairs) {
            double pc = plainLogp(model, adapter, p.promptIds(), p.chosenIds());
            double pr = plainLogp(model, adapter, p.promptIds(), p.rejectedIds());
            double rc = plainLogp(model, null, p.promptIds(), p.chosenIds());
            double rr = plainLogp(model, null, p.promptIds(), p.rejectedIds());
            double z = beta * ((pc - rc) - (pr - rr));
            total += -Math.log(1 / (1 + Math.exp(-z)));
        }
        return total / pairs.size();
    }

    /** The engine's loss (mean over pairs) of one batch holding all pairs, with backward into the adapter. */
    static double engineLossAndBackward(LlamaModel model, Adapter adapter, double beta) {
        GradMode.offOnThisThread();
        Batch b = DpoLoop.rows(pairs, padId);
        int n = pairs.size();
        try (NDManager sm = model.manager().newSubManager()) {
            NDArray ids = b.idsArray(sm);
            NDArray mask = b.maskArray(sm);
            NDArray targets = b.targetsArray(sm);
            float[] ref = DpoLoss.sequenceLogps(model.forward(ids, mask, null, null), targets).toFloatArray();
            NDArray refC = sm.create(java.util.Arrays.copyOfRange(ref, 0, n));
            NDArray refR = sm.create(java.util.Arrays.copyOfRange(ref, n, 2 * n));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logps = DpoLoss.sequenceLogps(model.forward(ids, mask, null, adapter), targets);
                NDArray loss = Ops.div(DpoLoss.losses(logps.get("0:" + n), logps.get(n + ":"), refC, refR, beta).sum(), n);
                gc.backward(loss);
                return loss.getFloat();
            }
        }
    }

    @Test
    void beforeTheFirstUpdatePolicyEqualsReferenceAndTheLossIsLn2() {
        try (LlamaModel model = LlamaModel.load(modelDir);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0.0, List.of(LoraConfig.ALL_LINEAR)), 3);
                DpoLoop loop = new DpoLoop(model, lora, TrainConfig.builder().maxSteps(1).batchSize(3).learningRate(1e-3).build(),
                        DpoConfig.defaults(), pairs, padId)) {
            List<DpoMetrics.PairLogps> scores = DpoLoop.evaluate(model, lora, pairs, 3, padId);
            for (DpoMetrics.PairLogps s : scores) {
                assertEquals(s.referenceChosen(), s.policyChosen(), 0.0, "B = 0: the policy is the reference exactly");
                assertEquals(s.referenceRejected(), s.policyRejected(), 0.0);
                assertEquals(Math.log(2), s.loss(0.1), 1e-6);
            }
            DpoLoop.Result r = loop.run();
            DpoMetrics first = r.history().get(0);
            assertEquals(Math.log(2), first.loss(), 1e-6, "the first update's loss");
            assertEquals(0.0, first.rewardsChosen(), 0.0);
            assertEquals(0.0, first.rewardsMargins(), 0.0);
            assertEquals(0.0, first.rewardsAccuracies(), 0.0, "no pair is ahead: chosen > rejected is strict");
            for (int i = 0; i < pairs.size(); i++) {
                assertEquals(scores.get(i).referenceChosen(), loop.referenceLogps(i)[0], 0.0, "cached reference");
            }
        }
    }

    @Test
    void lossAndGradientMatchAnIndependentImplementation() {
        double beta = 0.5;
        try (LlamaModel model = LlamaModel.load(modelDir);
                LoraAdapter lora = LoraAdapter.create(model, LoraConfig.of(4, 8, 0.0, List.of("q_proj", "v_proj")), 3)) {
            Random rnd = new Random(7);
            List<NDArray> bs = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : lora.trainableParameters().entrySet()) {
                if (e.getKey().endsWith("lora_B.weight")) {
                    float[] v = new float[(int) e.getValue().size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) (rnd.nextGaussian() * 0.3);
                    }
                    Ops.copyInto(e.getValue(), v);
                    bs.add(e.getValue());
                }
            }
            double engine = engineLossAndBackward(model, lora, beta);
            double plain = plainLoss(model, lora, beta);
            assertTrue(Math.abs(plain - Math.log(2)) > 1e-2, "a non-trivial point: " + plain);
            assertEquals(plain, engine, 1e-5, "loss");

            NDArray b = bs.get(0);                           // layer 0 q_proj B (out, r)
            float[] grad = b.getGradient().toFloatArray();
            float[] values = b.toFloatArray();
            // the three entries with the largest gradient, and one more
            List<Integer> entries = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                int best = -1;
                for (int i = 0; i < grad.length; i++) {
                    if (!entries.contains(i) && (best < 0 || Math.abs(grad[i]) > Math.abs(grad[best]))) {
                        best = i;
                    }
                }
                entries.add(best);
            }
            entries.add(5);
            double h = 1e-2;
            for (int i : entries) {
                float[] plus = values.clone();
                plus[i] += (float) h;
                Ops.copyInto(b, plus);
                double up = plainLoss(model, lora, beta);
                float[] minus = values.clone();
                minus[i] -= (float) h;
                Ops.copyInto(b, minus);
                double down = plainLoss(model, lora, beta);
                Ops.copyInto(b, values);
                double fd = (up - down) / ((double) plus[i] - (double) minus[i]);
                // float32 forward: loss noise ~1e-6 / 2h ~ 5e-5; O(h^2) truncation far below that
                assertEquals(fd, grad[i], 2e-4 + 1e-3 * Math.abs(fd), "dL/dB[" + i + "] (finite difference " + fd + ")");
            }
            assertTrue(Math.abs(grad[entries.get(0)]) > 1e-3, "a gradient worth comparing: " + grad[entries.get(0)]);
        }
    }
}
