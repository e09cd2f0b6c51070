package dev.loraforge.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.loraforge.engine.data.Batch;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.model.Adapter;
import dev.loraforge.engine.model.GradMode;
import dev.loraforge.engine.model.LlamaModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The supervised loss of some examples as training counts it: the summed token cross-entropy ({@code nll}) over the
 * scored tokens (labels that are not {@link EncodedExample#IGNORE}, shifted: the assistant / completion tokens), how
 * many there are, and how many of them the model ranks first (argmax of the logits = the label, TRL's
 * {@code mean_token_accuracy}). {@link #perExample} scores examples one by one the way validation does;
 * {@link #sum} adds them up token-weighted, as the validation loss is.
 *
 * @param nll     sum of {@code -log p(label)} over the scored tokens
 * @param tokens  scored tokens
 * @param correct scored tokens whose most likely token is the label
 */
public record TokenMetrics(double nll, long tokens, long correct) {

    /** Mean token cross-entropy, {@code nll / tokens} (0 when nothing is scored). */
    public double loss() {
        return nll / Math.max(1, tokens);
    }

    /** {@code correct / tokens}; NaN when nothing is scored. */
    public double accuracy() {
        return tokens == 0 ? Double.NaN : (double) correct / tokens;
    }

    public double perplexity() {
        return Math.exp(loss());
    }

    /** Token-weighted total: sums of nll, tokens and correct. */
    public static TokenMetrics sum(List<TokenMetrics> parts) {
        double nll = 0;
        long tokens = 0;
        long correct = 0;
        for (TokenMetrics m : parts) {
            nll += m.nll;
            tokens += m.tokens;
            correct += m.correct;
        }
        return new TokenMetrics(nll, tokens, correct);
    }

    /**
     * Each example's metrics under base + {@code adapterOrNull}, without gradients and without dropout: batches of
     * {@code batchSize} padded on the right, one forward per batch, then each row's scored positions through the
     * training loss's LM head and cross-entropy ({@link CrossEntropy#sumNllFromHidden}). What validation during
     * training and {@code tune eval} compute.
     */
    public static List<TokenMetrics> perExample(LlamaModel model, Adapter adapterOrNull, List<EncodedExample> examples,
            int batchSize, int padId) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        GradMode.offOnThisThread();
        boolean wasTraining = model.isTraining();
        model.setTraining(false);
        List<TokenMetrics> out = new ArrayList<>(examples.size());
        try {
            for (int start = 0; start < examples.size(); start += batchSize) {
                Batch b = new Batch(examples.subList(start, Math.min(examples.size(), start + batchSize)), padId);
                long[] targets = b.targets();                                          // (B * T), row-major
                int t = b.length();
                try (NDManager sm = model.manager().newSubManager()) {
                    NDArray hidden = model.hiddenStates(b.idsArray(sm), b.maskArray(sm), null, adapterOrNull); // (B, T, H)
                    for (int row = 0; row < b.size(); row++) {
                        long[] rowTargets = Arrays.copyOfRange(targets, row * t, (row + 1) * t); // (T,)
                        NDArray rowHidden = hidden.get(new NDIndex("{}:{}", row, row + 1));  // (1, T, H)
                        CrossEntropy.TokenTally tally = new CrossEntropy.TokenTally();
                        double nll = CrossEntropy.sumNllFromHidden(model, rowHidden, rowTargets, tally).getFloat();
                        out.add(new TokenMetrics(nll, tally.counted(), tally.correct()));
                    }
                }
            }
        } finally {
            model.setTraining(wasTraining);
        }
        return out;
    }
}
