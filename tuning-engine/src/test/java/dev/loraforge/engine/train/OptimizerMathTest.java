package dev.loraforge.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AdamW, schedules, clipping and the loss against values computed by hand. */
class OptimizerMathTest {

    @Test
    void adamWFirstStepByHand() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(new float[] {1f, -2f}, new Shape(2));
            AdamW opt = new AdamW(Map.of("p", p), 0.9, 0.999, 1e-8, 0.0, m);
            try (NDManager tmp = m.newSubManager()) {
                opt.step(Map.of("p", tmp.create(new float[] {0.5f, -0.25f})), 0.1, tmp);
            }
            // step 1: m = 0.1 g, v = 0.001 g^2, bias-corrected m/sqrt(v) = sign(g); p -= lr * sign(g)
            assertArrayEquals(new float[] {0.9f, -1.9f}, p.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0.05f, -0.025f}, opt.expAvg().get("p").toFloatArray(), 1e-8f);
            assertArrayEquals(new float[] {0.00025f, 0.0000625f}, opt.expAvgSq().get("p").toFloatArray(), 1e-10f);
            assertEquals(1, opt.stepCount());
        }
    }

    @Test
    void adamWMatchesTorchFormulaOverSeveralStepsWithWeightDecay() {
        float[] p0 = {0.3f, -1.2f, 2.0f, 0.0f, 0.7f, -0.05f};
        float[][] grads = {
                {0.1f, -0.2f, 0.3f, 0.0f, 1.5f, -0.01f},
                {-0.3f, 0.1f, 0.2f, 0.05f, 1.0f, 0.02f},
                {0.2f, 0.2f, -0.4f, -0.05f, 0.5f, 0.0f},
                {0.0f, -0.1f, 0.1f, 0.1f, -2.0f, 0.03f}};
        double[] lrs = {1e-2, 2e-2, 1.5e-2, 5e-3};
        double b1 = 0.9, b2 = 0.95, eps = 1e-6, wd = 0.1;
        // Reference: torch.optim.AdamW's _single_tensor_adamw in float32 element arithmetic.
        float[] rp = p0.clone();
        float[] rm = new float[6];
        float[] rv = new float[6];
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray p = m.create(p0, new Shape(2, 3));
            AdamW opt = new AdamW(Map.of("w", p), b1, b2, eps, wd, m);
            for (int t = 1; t <= grads.length; t++) {
                double lr = lrs[t - 1];
                double bc1 = 1 - Math.pow(b1, t);
                double bc2Sqrt = Math.sqrt(1 - Math.pow(b2, t));
                for (int i = 0; i < 6; i++) {
                    float g = grads[t - 1][i];
                    rp[i] = rp[i] * (float) (1 - lr * wd);
                    rm[i] = rm[i] + (float) (1 - b1) * (g - rm[i]);
                    rv[i] = rv[i] * (float) b2 + ((float) (1 - b2) * g) * g;
                    float denom = (float) Math.sqrt(rv[i]) / (float) bc2Sqrt + (float) eps;
                    rp[i] = rp[i] - (rm[i] / denom) * (float) (lr / bc1);
                }
                try (NDManager tmp = m.newSubManager()) {
                    opt.step(Map.of("w", tmp.create(grads[t - 1], new Shape(2, 3))), lr, tmp);
                }
                assertArrayEquals(rp, p.toFloatArray(), 1e-6f, "params after step " + t);
                assertArrayEquals(rm, opt.expAvg().get("w").toFloatArray(), 1e-7f, "exp_avg after step " + t);
            }
            assertEquals(4, opt.stepCount());
        }
    }

    @Test
    void adamWRestoreContinuesIdentically() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1f, 2f, 3f});
            NDArray b = m.create(new float[] {1f, 2f, 3f});
            AdamW optA = new AdamW(Map.of("x", a), 0.9, 0.999, 1e-8, 0.01, m);
            AdamW optB = new AdamW(Map.of("x", b), 0.9, 0.999, 1e-8, 0.01, m);
            float[][] g = {{0.1f, 0.2f, -0.3f}, {0.3f, -0.1f, 0.2f}, {-0.2f, 0.1f, 0.1f}};
            for (int t = 0; t < 3; t++) {
                try (NDManager tmp = m.newSubManager()) {
                    optA.step(Map.of("x", tmp.create(g[t])), 0.01, tmp);
                    if (t < 2) {
                        optB.step(Map.of("x", tmp.create(g[t])), 0.01, tmp);
                    }
                }
            }
            // a fresh optimizer given B's state after 2 steps continues like A
            NDArray c = m.create(b.toFloatArray());
            AdamW optC = new AdamW(Map.of("x", c), 0.9, 0.999, 1e-8, 0.01, m);
            optC.restore(Map.of("x", optB.expAvg().get("x").toFloatArray()), Map.of("x", optB.expAvgSq().get("x").toFloatArray()), 2);
            try (NDManager tmp = m.newSubManager()) {
                optC.step(Map.of("x", tmp.create(g[2])), 0.01, tmp);
            }
            assertArrayEquals(a.toFloatArray(), c.toFloatArray(), 0f);
        }
    }

    @Test
    void schedulesAtKnownSteps() {
        LrSchedule lin = new LrSchedule(LrSchedule.Kind.LINEAR, 2, 10);
        assertEquals(0.0, lin.factor(0));
        assertEquals(0.5, lin.factor(1));
        assertEquals(1.0, lin.factor(2));
        assertEquals(0.5, lin.factor(6), 1e-12);
        assertEquals(0.125, lin.factor(9), 1e-12);
        assertEquals(0.0, lin.factor(10));
        LrSchedule cos = new LrSchedule(LrSchedule.Kind.COSINE, 0, 10);
        assertEquals(1.0, cos.factor(0), 1e-12);
        assertEquals(0.5, cos.factor(5), 1e-12);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.8)), cos.factor(8), 1e-12);
        assertEquals(0.0, cos.factor(10), 1e-12);
        LrSchedule cosWarm = new LrSchedule(LrSchedule.Kind.COSINE, 4, 12);
        assertEquals(0.75, cosWarm.factor(3), 1e-12);
        assertEquals(0.5, cosWarm.factor(8), 1e-12);
        LrSchedule constant = new LrSchedule(LrSchedule.Kind.CONSTANT, 3, 10);
        assertEquals(2.0 / 3.0, constant.factor(2), 1e-12);
        assertEquals(1.0, constant.factor(9));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.Kind.parse("step"));
        // epochs -> updates as the HF Trainer: ceil(epochs * max(1, batches_per_epoch // accumulation))
        assertEquals(30, TrainConfig.stepsForEpochs(2.5, 100, 4, 2));
        assertEquals(1, TrainConfig.stepsForEpochs(1, 10, 3, 8));
        assertEquals(3, TrainConfig.stepsForEpochs(0.5, 20, 4, 1));
    }

    @Test
    void clippingByGlobalNorm() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray g1 = m.create(new float[] {3f, 4f});
            NDArray g2 = m.create(new float[] {12f});
            double norm = GradientClipping.clip(List.of(g1, g2), 1.0);
            assertEquals(13.0, norm, 1e-5);
            float c = (float) (1.0 / (13.0 + 1e-6));
            assertArrayEquals(new float[] {3 * c, 4 * c}, g1.toFloatArray(), 1e-7f);
            assertArrayEquals(new float[] {12 * c}, g2.toFloatArray(), 1e-7f);
            assertEquals(1.0, GradientClipping.globalNorm(List.of(g1, g2)), 1e-5);
            // below the threshold nothing changes
            NDArray g3 = m.create(new float[] {0.3f, 0.4f});
            assertEquals(0.5, GradientClipping.clip(List.of(g3), 1.0), 1e-6);
            assertArrayEquals(new float[] {0.3f, 0.4f}, g3.toFloatArray(), 0f);
        }
    }

    @Test
    void crossEntropyIgnoresMaskedTargets() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] logits = {1f, 2f, 3f, 0.5f, 0.5f, 0.5f, -1f, 0f, 1f, 2f, 2f, 0f};
            NDArray l = m.create(logits, new Shape(2, 2, 3));
            NDArray targets = m.create(new long[] {2, -100, 0, 1}, new Shape(2, 2));
            double expected = -(logp(logits, 0, 2) + logp(logits, 2, 0) + logp(logits, 3, 1));
            assertEquals(expected, CrossEntropy.sumNll(l, targets).getFloat(), 1e-5);
            assertEquals(expected / 3, CrossEntropy.mean(l, targets, 3).getFloat(), 1e-5);
        }
    }

    private static double logp(float[] logits, int row, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < 3; i++) {
            max = Math.max(max, logits[row * 3 + i]);
        }
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            sum += Math.exp(logits[row * 3 + i] - max);
        }
        return logits[row * 3 + target] - max - Math.log(sum);
    }
}
