package dev.loraforge.engine.train;

import dev.loraforge.engine.data.DatasetFormat;
import java.util.Locale;

/**
 * What a run optimises, OpenAI's {@code method.type}: supervised fine-tuning (token cross-entropy on the trained
 * tokens) or DPO (Direct Preference Optimization on preference pairs, TRL's {@code DPOTrainer} with the sigmoid
 * loss). The dataset's format decides which one it can train with ({@link #forFormat}).
 */
public enum TrainingMethod {
    SUPERVISED("supervised"),
    DPO("dpo");

    private final String id;

    TrainingMethod(String id) {
        this.id = id;
    }

    /** The name OpenAI's API and {@code tune train --training-method} use. */
    public String id() {
        return id;
    }

    /** {@code supervised} or {@code dpo} (any case); IllegalArgumentException naming the valid ones otherwise. */
    public static TrainingMethod parse(String name) {
        for (TrainingMethod m : values()) {
            if (m.id.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("training method is '" + name + "'; it must be supervised or dpo");
    }

    /** The method a dataset of this format trains with: DPO for preference pairs, supervised otherwise. */
    public static TrainingMethod forFormat(DatasetFormat format) {
        return format.isPreference() ? DPO : SUPERVISED;
    }

    /**
     * Refuses a dataset that this method cannot train, naming the method it needs.
     *
     * @param source the file, as the message names it
     */
    public void requireFormat(DatasetFormat format, String source) {
        TrainingMethod needed = forFormat(format);
        if (needed != this) {
            throw new IllegalArgumentException(source + " is a " + (format.isPreference() ? "preference (DPO)" : "supervised")
                    + " dataset (" + format.name().toLowerCase(Locale.ROOT) + "); it needs the " + needed.id
                    + " training method, not " + id);
        }
    }
}
