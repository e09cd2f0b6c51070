package dev.loraforge.engine.train;

/**
 * DPO settings (Rafailov et al. 2023, eq. 7; TRL's {@code DPOConfig} with {@code loss_type="sigmoid"}):
 * the loss of a pair is {@code -log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r)))} with the summed log-probabilities
 * of the chosen and rejected responses under the policy (base + adapter) and the reference (the base alone).
 *
 * @param beta the KL penalty strength, {@code beta} in the paper, TRL's and OpenAI's {@code beta}
 */
public record DpoConfig(double beta) {

    /** TRL's and OpenAI's default {@code beta}. */
    public static final double DEFAULT_BETA = 0.1;

    public DpoConfig {
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("beta is " + beta + "; it must be a positive number (default " + DEFAULT_BETA + ")");
        }
    }

    public static DpoConfig defaults() {
        return new DpoConfig(DEFAULT_BETA);
    }
}
