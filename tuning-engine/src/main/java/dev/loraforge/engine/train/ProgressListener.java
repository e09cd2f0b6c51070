package dev.loraforge.engine.train;

import java.nio.file.Path;

/** Receives training progress; the trainer service turns these calls into events. All methods are optional. */
public interface ProgressListener {

    /** After each optimizer update. */
    default void onStep(StepProgress progress) {
    }

    /** After a validation pass. */
    default void onValidation(long step, double loss, double perplexity) {
    }

    /** After a checkpoint directory was written completely. */
    default void onCheckpoint(long step, Path directory) {
    }

    ProgressListener NONE = new ProgressListener() {
    };
}
