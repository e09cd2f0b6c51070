package dev.loraforge.engine.train;

import java.nio.file.Path;

/** Receives training progress; the trainer service turns these calls into events. All methods are optional. */
public interface ProgressListener {

    /** After each optimizer update. */
    default void onStep(StepProgress progress) {
    }

    /**
     * After a validation pass: mean token loss, its perplexity, and the mean token accuracy (NaN when
     * no target token was counted).
     */
    default void onValidation(long step, double loss, double perplexity, double meanTokenAccuracy) {
    }

    /** After a checkpoint directory was written completely. */
    default void onCheckpoint(long step, Path directory) {
    }

    ProgressListener NONE = new ProgressListener() {
    };
}
