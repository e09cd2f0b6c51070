package dev.loraforge.inference.service;

/**
 * A request that cannot be served, with the HTTP status and the machine-readable code the internal
 * API answers ({@code application/problem+json}): 400 {@code invalid_request} /
 * {@code context_length_exceeded}, 404 {@code model_not_found}, 422 {@code adapter_mismatch} /
 * {@code model_unusable}, 503 {@code busy} / {@code artifact_store_unavailable}.
 */
public class InferenceException extends RuntimeException {

    private final int status;
    private final String code;
    private final String param;

    public InferenceException(int status, String code, String param, String message) {
        super(message);
        this.status = status;
        this.code = code;
        this.param = param;
    }

    public InferenceException(int status, String code, String param, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
        this.param = param;
    }

    public static InferenceException invalid(String param, String message) {
        return new InferenceException(400, "invalid_request", param, message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }
}
