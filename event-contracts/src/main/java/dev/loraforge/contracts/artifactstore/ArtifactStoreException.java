package dev.loraforge.contracts.artifactstore;

/**
 * A call to artifact-store that did not succeed: {@link #status()} is the HTTP status it answered,
 * 0 when it did not answer at all (refused, reset, timed out, a damaged transfer).
 * {@link #retryable()} says whether the same call may succeed later; a refusal of the request
 * itself (4xx other than 408 and 429) never will.
 */
public class ArtifactStoreException extends RuntimeException {

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
}
