package dev.loraforge.engine.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DPO metrics over some pairs, under TRL's names: {@code loss}, {@code rewards/chosen} = mean of
 * {@code beta (pi_c - ref_c)}, {@code rewards/rejected}, {@code rewards/accuracies} = share of pairs whose chosen reward
 * exceeds the rejected one, {@code rewards/margins} = mean of chosen - rejected reward, {@code logps/chosen},
 * {@code logps/rejected} = mean policy log-probabilities.
 */
public record DpoMetrics(int pairs, double loss, double rewardsChosen, double rewardsRejected, double rewardsAccuracies,
        double rewardsMargins, double logpsChosen, double logpsRejected) {

    /** The four log-probabilities of one pair (sums over the response tokens). */
    public record PairLogps(double policyChosen, double policyRejected, double referenceChosen, double referenceRejected) {

        public double rewardChosen(double beta) {
            return beta * (policyChosen - referenceChosen);
        }

        public double rewardRejected(double beta) {
            return beta * (policyRejected - referenceRejected);
        }

        public double loss(double beta) {
            return DpoLoss.loss(policyChosen, policyRejected, referenceChosen, referenceRejected, beta);
        }
    }

    public static DpoMetrics of(List<PairLogps> pairs, double beta) {
        int n = pairs.size();
        double loss = 0;
        double chosen = 0;
        double rejected = 0;
        double correct = 0;
        double lc = 0;
        double lr = 0;
        for (PairLogps p : pairs) {
            double rc = p.rewardChosen(beta);
            double rr = p.rewardRejected(beta);
            loss += p.loss(beta);
            chosen += rc;
            rejected += rr;
            correct += rc > rr ? 1 : 0;
            lc += p.policyChosen();
            lr += p.policyRejected();
        }
        double d = Math.max(1, n);
        return new DpoMetrics(n, loss / d, chosen / d, rejected / d, correct / d, (chosen - rejected) / d, lc / d, lr / d);
    }

    /** TRL's metric names (prefixed, e.g. {@code "eval_"}, when {@code prefix} is not empty). */
    public Map<String, Object> toMap(String prefix) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(prefix + "loss", loss);
        m.put(prefix + "rewards/chosen", rewardsChosen);
        m.put(prefix + "rewards/rejected", rewardsRejected);
        m.put(prefix + "rewards/accuracies", rewardsAccuracies);
        m.put(prefix + "rewards/margins", rewardsMargins);
        m.put(prefix + "logps/chosen", logpsChosen);
        m.put(prefix + "logps/rejected", logpsRejected);
        return m;
    }
}
