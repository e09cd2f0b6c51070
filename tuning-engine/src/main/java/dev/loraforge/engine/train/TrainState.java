package dev.loraforge.engine.train;

import dev.loraforge.engine.data.DataLoader;
import java.util.List;

/**
 * What {@code trainer_state.json} of a checkpoint records besides tensors: where the run is, and the
 * settings a resume must share with it.
 *
 * @param globalStep       optimizer updates done
 * @param dataEpoch        epoch of the next batch
 * @param dataOffset       offset of the next batch in that epoch's order
 * @param seed             run seed; data order is f(seed, epoch), dropout RNG is reseeded f(seed, step, micro-batch)
 * @param losses           loss of every update so far
 * @param maxSteps         planned updates
 * @param batchSize        micro-batch size
 * @param gradAccumulation micro-batches per update
 * @param examples         training examples after encoding
 * @param learningRate     peak learning rate
 * @param rngScheme        how every random draw derives from the seed, so the seed and step are the whole RNG state
 * @param accuracies       mean token accuracy of every update so far (null where unknown); empty in checkpoints
 *                         written before accuracies were recorded
 * @param validations      every validation pass so far
 * @param dpo              a DPO run's own state; null for supervised fine-tuning (then {@code losses} are token
 *                         losses and {@code accuracies} token accuracies; for DPO the DPO loss and
 *                         {@code rewards/accuracies} of each update, {@code examples} the preference pairs)
 */
public record TrainState(long globalStep, int dataEpoch, int dataOffset, long seed, List<Double> losses,
        long maxSteps, int batchSize, int gradAccumulation, int examples, double learningRate, String rngScheme,
        List<Double> accuracies, List<ValidationPoint> validations, DpoState dpo) {

    /** A supervised fine-tuning run's state. */
    public TrainState(long globalStep, int dataEpoch, int dataOffset, long seed, List<Double> losses, long maxSteps,
            int batchSize, int gradAccumulation, int examples, double learningRate, String rngScheme,
            List<Double> accuracies, List<ValidationPoint> validations) {
        this(globalStep, dataEpoch, dataOffset, seed, losses, maxSteps, batchSize, gradAccumulation, examples, learningRate,
                rngScheme, accuracies, validations, null);
    }

    /**
     * What a DPO run adds: its beta, every update's TRL metrics, and the reference log-probabilities cached so far,
     * so that a resumed run follows the uninterrupted one exactly (the reference of a pair is computed once, with the
     * rows it was first batched with).
     *
     * @param beta      the DPO beta
     * @param history   the metrics of every update so far (step 1 first)
     * @param reference per pair {chosen, rejected} summed reference log-probabilities; null where not computed yet
     */
    public record DpoState(double beta, List<DpoMetrics> history, List<double[]> reference) {

        public DpoState {
            history = List.copyOf(history);
            reference = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(reference)); // nulls allowed
        }
    }

    /**
     * One validation pass.
     *
     * @param step     updates done when it ran
     * @param loss     mean token loss over the validation examples
     * @param accuracy mean token accuracy over them, null when no target token was counted
     */
    public record ValidationPoint(long step, double loss, Double accuracy) {
    }

    public TrainState {
        losses = List.copyOf(losses);
        accuracies = accuracies == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(accuracies));
        validations = validations == null ? List.of() : List.copyOf(validations);
    }

    /** The scheme this engine version uses (FineTuneLoop.rngSeed and DataLoader's shuffle). */
    public static final String RNG_SCHEME = "engine seed reset before each micro-batch to f(seed, step, micro_batch);"
            + " data order per epoch from java.util.Random(seed * 1000003 + epoch)";

    public DataLoader.Position position() {
        return new DataLoader.Position(dataEpoch, dataOffset);
    }

    /**
     * Refuses to resume a run whose settings differ (the resumed run would not follow the original), or a run of the
     * other training method.
     *
     * @param dpoOrNull the resuming run's DPO settings, null for supervised fine-tuning
     */
    void checkCompatible(TrainConfig config, int exampleCount, DpoConfig dpoOrNull) {
        if (dpo == null && dpoOrNull != null) {
            throw new IllegalArgumentException("cannot resume a DPO run from a supervised fine-tuning checkpoint; resume"
                    + " it as supervised training, or start the DPO run from its adapter instead");
        }
        if (dpo != null && dpoOrNull == null) {
            throw new IllegalArgumentException("cannot resume: the checkpoint is of a DPO run (beta " + dpo.beta()
                    + "); resume it with --training-method dpo --beta " + dpo.beta());
        }
        StringBuilder diff = new StringBuilder();
        if (dpo != null && dpo.beta() != dpoOrNull.beta()) diff.append(" beta ").append(dpo.beta()).append(" vs ").append(dpoOrNull.beta()).append(';');
        if (seed != config.seed()) diff.append(" seed ").append(seed).append(" vs ").append(config.seed()).append(';');
        if (batchSize != config.batchSize()) diff.append(" batch_size ").append(batchSize).append(" vs ").append(config.batchSize()).append(';');
        if (gradAccumulation != config.gradAccumulation()) diff.append(" gradient_accumulation_steps ").append(gradAccumulation).append(" vs ").append(config.gradAccumulation()).append(';');
        if (maxSteps != config.maxSteps()) diff.append(" max_steps ").append(maxSteps).append(" vs ").append(config.maxSteps()).append(';');
        if (examples != exampleCount) diff.append(" examples ").append(examples).append(" vs ").append(exampleCount).append(';');
        if (learningRate != config.learningRate()) diff.append(" learning_rate ").append(learningRate).append(" vs ").append(config.learningRate()).append(';');
        if (diff.length() > 0) {
            throw new IllegalArgumentException("cannot resume: the checkpoint was made with different settings (checkpoint vs now):"
                    + diff + " resume with the original settings and data");
        }
        if (rngScheme != null && !RNG_SCHEME.equals(rngScheme)) {
            throw new IllegalArgumentException("cannot resume: the checkpoint used another RNG scheme (" + rngScheme + ")");
        }
        if (dpo != null && (dpo.reference().size() != examples || dpo.history().size() != globalStep)) {
            throw new IllegalArgumentException("cannot resume: the checkpoint's DPO state is inconsistent (" + dpo.reference().size()
                    + " cached references for " + examples + " pairs, " + dpo.history().size() + " updates' metrics at step "
                    + globalStep + ")");
        }
        if (globalStep > config.maxSteps()) {
            throw new IllegalArgumentException("cannot resume: checkpoint is at step " + globalStep + ", beyond max_steps " + config.maxSteps());
        }
    }
}
