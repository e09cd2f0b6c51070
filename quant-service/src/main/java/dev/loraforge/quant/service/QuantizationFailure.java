package dev.loraforge.quant.service;

/**
 * Why a quantization failed: a stable code for the outcome event, a message for people, and whether
 * the next request for the pair tries again ({@code retryable}) or is answered with this failure at
 * once (the model's content is the problem, and content does not change under its digest).
 */
public class QuantizationFailure extends RuntimeException {

    /** The scheme is not one the engine has (no row is made). */
    public static final String UNSUPPORTED_SCHEME = "unsupported_scheme";
    /** artifact-store has no base model artifact with the requested id, or no blob with its digest. */
    public static final String BASE_MODEL_NOT_FOUND = "base_model_not_found";
    /** The requested id names an artifact that is not a base model or has another digest. */
    public static final String BASE_MODEL_MISMATCH = "base_model_mismatch";
    /** The blob is not a readable model: not a directory archive, no config.json, unparsable weights. */
    public static final String MODEL_UNREADABLE = "model_unreadable";
    /** A readable model the engine cannot quantize: architecture, dtype, already quantized, inconsistent shapes. */
    public static final String MODEL_UNSUPPORTED = "model_unsupported";
    /** artifact-store did not answer (after retries) or refused to store the result. */
    public static final String ARTIFACT_STORE_UNAVAILABLE = "artifact_store_unavailable";
    /** Anything else (a bug): logged with its stack trace. */
    public static final String INTERNAL = "quantization_error";

    private final String code;
    private final boolean retryable;

    public QuantizationFailure(String code, String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.retryable = retryable;
    }

    public QuantizationFailure(String code, String message, boolean retryable) {
        this(code, message, retryable, null);
    }

    public String code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }
}
