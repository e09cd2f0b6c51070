package dev.loraforge.engine.generate;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Picks the next token from one row of logits: argmax, or temperature + top-p sampling, after the presence and
 * frequency penalties of the tokens it picked before (one sampler per sequence).
 */
final class TokenSampler {

    private final GenerationOptions options;
    private final Random random;
    private final Map<Integer, Integer> counts = new HashMap<>(); // tokens picked so far, with penalties only

    TokenSampler(GenerationOptions options) {
        this.options = options;
        this.random = new Random(options.seed());
    }

    int next(float[] logits) {
        float[] scores = logits;
        if (options.penalized() && !counts.isEmpty()) {
            scores = logits.clone();
            for (Map.Entry<Integer, Integer> c : counts.entrySet()) {
                scores[c.getKey()] -= (float) (c.getValue() * options.frequencyPenalty() + options.presencePenalty());
            }
        }
        int token = options.greedyDecoding() ? argmax(scores) : sample(scores);
        if (options.penalized()) {
            counts.merge(token, 1, Integer::sum);
        }
        return token;
    }

    /** The first index of the largest logit (torch.argmax's tie rule). */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * softmax(logits / T), then keep the most probable tokens whose cumulative probability reaches
     * top_p (at least one; transformers drops the tail whose cumulative mass is <= 1 - top_p),
     * renormalise and draw.
     */
    private int sample(float[] logits) {
        int n = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l / options.temperature());
        }
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(logits[i] / options.temperature() - max);
            sum += p[i];
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            p[i] /= sum;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        int keep = 0;
        double cumulative = 0;
        while (keep < n && (keep == 0 || cumulative < options.topP())) {
            cumulative += p[order[keep]];
            keep++;
        }
        double u = random.nextDouble() * cumulative;
        double acc = 0;
        for (int k = 0; k < keep; k++) {
            acc += p[order[k]];
            if (u < acc) {
                return order[k];
            }
        }
        return order[keep - 1];
    }
}
