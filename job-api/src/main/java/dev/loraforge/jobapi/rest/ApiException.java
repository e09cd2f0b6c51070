package dev.loraforge.jobapi.rest;

/**
 * An error answered on {@code /v1} in OpenAI's envelope:
 * {@code {"error":{"message","type","param","code"}}}.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private Integer retryAfterSeconds;

    public ApiException(int status, String type, String message, String param, String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** Adds a {@code Retry-After} of {@code seconds} to the answer (a 429 or 503 that clears by itself). */
    public ApiException retryAfter(int seconds) {
        this.retryAfterSeconds = seconds;
        return this;
    }

    /** The {@code Retry-After} seconds, or null. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** 400: the request is malformed or names something invalid. */
    public static ApiException invalid(String message, String param) {
        return new ApiException(400, "invalid_request_error", message, param, null);
    }

    /** 404: nothing of that id belongs to the caller. */
    public static ApiException notFound(String what, String id, String param) {
        return new ApiException(404, "invalid_request_error", "No " + what + " found with id '" + id + "'.",
                param, "not_found");
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }
}
