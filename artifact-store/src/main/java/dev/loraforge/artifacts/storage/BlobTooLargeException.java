package dev.loraforge.artifacts.storage;

/** Content beyond the configured maximum blob size; nothing was kept. */
public class BlobTooLargeException extends java.io.IOException {
    public BlobTooLargeException(long limit) {
        super("the content is larger than the maximum blob size of " + limit
                + " bytes (artifacts.max-blob-size); nothing was stored");
    }
}
