package dev.loraforge.inference.client;

/** artifact-store could not give what was asked: {@code status} 404 (no such blob) or 0 / 5xx (unreachable, broken). */
public class ArtifactStoreException extends RuntimeException {

    private final int status;

    public ArtifactStoreException(String message, int status) {
        super(message);
        this.status = status;
    }

    public ArtifactStoreException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public boolean notFound() {
        return status == 404;
    }
}
