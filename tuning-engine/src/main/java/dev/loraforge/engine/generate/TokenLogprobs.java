package dev.loraforge.engine.generate;

/**
 * One generated token's log-probability and the most probable tokens at its position, most probable first (ties by
 * lower id), all from the log-softmax of the model's raw logits (before temperature, top-p and penalties: vLLM's
 * default {@code raw_logprobs}, what OpenAI's {@code logprobs} reports).
 */
public record TokenLogprobs(int token, double logprob, int[] topTokens, double[] topLogprobs) {

    public TokenLogprobs {
        topTokens = topTokens.clone();
        topLogprobs = topLogprobs.clone();
    }

    @Override
    public int[] topTokens() {
        return topTokens.clone();
    }

    @Override
    public double[] topLogprobs() {
        return topLogprobs.clone();
    }

    /** {@code token}'s log-probability under {@code logits} and the {@code top} most probable tokens'. */
    public static TokenLogprobs of(float[] logits, int token, int top) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double logZ = max + Math.log(sum);
        int k = Math.min(top, logits.length);
        int[] best = new int[k];
        int filled = 0;
        for (int i = 0; i < logits.length; i++) {
            // insertion into the k best so far; strictly greater keeps the lower id first on ties
            if (filled == k && (k == 0 || !(logits[i] > logits[best[k - 1]]))) {
                continue;
            }
            int at = filled < k ? filled++ : k - 1;
            while (at > 0 && logits[i] > logits[best[at - 1]]) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
        }
        double[] lp = new double[k];
        for (int j = 0; j < k; j++) {
            lp[j] = logits[best[j]] - logZ;
        }
        return new TokenLogprobs(token, logits[token] - logZ, best, lp);
    }
}
