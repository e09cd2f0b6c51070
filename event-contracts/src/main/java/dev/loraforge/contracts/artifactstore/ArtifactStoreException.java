package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A call to artifact-store that did not succeed: {@link #status()} is the HTTP status it answered,
 * 0 when it did not answer at all (refused, reset, timed out, a damaged transfer).
 * {@link #retryable()} says whether the same call may succeed later; a refusal of the request
 * itself (4xx other than 408 and 429) never will.
 */
public class ArtifactStoreException extends RuntimeException {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int status;
    private final String problemType;

    public ArtifactStoreException(String message, int status) {
        this(message, status, null, null);
    }

    public ArtifactStoreException(String message, int status, Throwable cause) {
        this(message, status, null, cause);
    }

    /** {@code problemType}: the RFC 9457 {@code type} artifact-store answered, if any. */
    public ArtifactStoreException(String message, int status, String problemType, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.problemType = problemType;
    }

    /** The HTTP status answered, 0 when there was no answer. */
    public int status() {
        return status;
    }

    /** The problem type of artifact-store's answer ({@code invalid-request}, ...), null when there was none. */
    public String problemType() {
        return problemType;
    }

    /** No answer, a 5xx, 408 or 429: the same call may succeed later. */
    public boolean retryable() {
        return retryable(status);
    }

    /** Whether a call answered with {@code status} (0: no answer) may succeed when repeated. */
    public static boolean retryable(int status) {
        return status == 0 || status == 408 || status == 429 || status >= 500;
    }

    /** A 404: what was asked for is not there. */
    public boolean notFound() {
        return status == 404;
    }

    /**
     * The exception for an answer {@code status} with body {@code body}: artifact-store answers RFC
     * 9457 problem+json, whose {@code detail} and {@code type} are kept; any other body is quoted.
     */
    public static ArtifactStoreException fromAnswer(int status, String body) {
        String detail = body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "..." : body;
        String type = null;
        try {
            JsonNode problem = body == null || body.isBlank() ? null : JSON.readTree(body);
            if (problem != null && problem.isObject()) {
                type = problem.path("type").isTextual() ? problem.path("type").asText() : null;
                if (problem.path("detail").isTextual()) {
                    detail = problem.path("detail").asText();
                }
            }
        } catch (java.io.IOException e) {
            // not JSON: the abbreviated body is the detail
        }
        return new ArtifactStoreException("artifact-store answered HTTP " + status
                + (detail.isBlank() ? "" : ": " + detail), status, type, null);
    }
}
