package dev.loraforge.trainer.client;

/**
 * artifact-store refused or could not be reached. {@code status} is the HTTP status (0 when no
 * answer came); {@link #retryable()} says whether trying again may help (no answer, 5xx, 408, 429).
 */
public class ArtifactStoreException extends RuntimeException {

    private final int status;

    public ArtifactStoreException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public ArtifactStoreException(String message, int status) {
        this(message, status, null);
    }

    public int status() {
        return status;
    }

    public boolean retryable() {
        return status == 0 || status >= 500 || status == 408 || status == 429;
    }

    public boolean notFound() {
        return status == 404;
    }
}
