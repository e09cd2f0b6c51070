package dev.loraforge.trainer.service;

/**
 * Why an attempt failed, as it goes into the FAILED outcome: a stable machine code and a message for
 * people (never a stack trace).
 */
public class JobFailure extends RuntimeException {

    /** The base model (or its archive) could not be downloaded, unpacked or loaded. */
    public static final String BASE_MODEL_UNAVAILABLE = "base_model_unavailable";
    /** The quantized base of a QLoRA job could not be downloaded, unpacked or loaded. */
    public static final String QUANTIZED_MODEL_UNAVAILABLE = "quantized_model_unavailable";
    /** A dataset blob could not be downloaded. */
    public static final String TRAINING_FILE_UNAVAILABLE = "training_file_unavailable";
    /** The training file has malformed lines (listed with their numbers) or nothing to train on. */
    public static final String INVALID_TRAINING_FILE = "invalid_training_file";
    /** The validation file has malformed lines (listed with their numbers). */
    public static final String INVALID_VALIDATION_FILE = "invalid_validation_file";
    /** The method's options are not usable (the message names the option). */
    public static final String INVALID_METHOD = "invalid_method";
    /** A method this trainer cannot run. */
    public static final String METHOD_NOT_SUPPORTED = "method_not_supported";
    /** A hyperparameter is not usable (the message names it). */
    public static final String INVALID_HYPERPARAMETERS = "invalid_hyperparameters";
    /** The loss or gradient became NaN or infinite (the message names the step; a lower learning rate helps). */
    public static final String TRAINING_DIVERGED = "training_diverged";
    /** The adapter of the fine-tuned model the job continues could not be fetched or does not fit. */
    public static final String INIT_ADAPTER_UNAVAILABLE = "init_adapter_unavailable";
    /** A checkpoint or the adapter could not be stored in artifact-store. */
    public static final String ARTIFACT_STORE_UNAVAILABLE = "artifact_store_unavailable";
    /** Anything else (the trainer's log has the details). */
    public static final String INTERNAL_ERROR = "internal_error";

    private final String code;

    public JobFailure(String code, String message) {
        this(code, message, null);
    }

    public JobFailure(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
