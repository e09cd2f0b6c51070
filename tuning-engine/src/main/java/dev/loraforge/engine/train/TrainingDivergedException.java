package dev.loraforge.engine.train;

/**
 * A training step whose loss or gradient norm is not finite (NaN or infinite): the run stops before the
 * optimizer steps on it, so the adapter keeps the values it had before that step. Usually the learning rate
 * is too high for the data, or the data has something the model cannot fit.
 */
public final class TrainingDivergedException extends IllegalStateException {

    private final long step;

    TrainingDivergedException(long step, String message) {
        super(message);
        this.step = step;
    }

    /** The 1-based step that diverged. */
    public long step() {
        return step;
    }
}
