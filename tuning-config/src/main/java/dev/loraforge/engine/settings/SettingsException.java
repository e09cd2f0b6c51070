package dev.loraforge.engine.settings;

/**
 * A job setting that cannot be used: {@link #field()} names it as the job API spells it
 * ({@code adapter.alpha}, {@code hyperparameters.n_epochs}), the message says what is wrong and what is allowed.
 */
public final class SettingsException extends IllegalArgumentException {

    private final String field;

    public SettingsException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The setting at fault, e.g. {@code adapter.target_modules}. */
    public String field() {
        return field;
    }
}
