package dev.loraforge.artifacts.storage;

/** A stored blob whose bytes no longer hash to its digest (or whose size changed): never served. */
public class CorruptBlobException extends java.io.IOException {

    private final Digest digest;

    public CorruptBlobException(Digest digest, String detail) {
        super("blob " + digest + " is corrupted in storage: " + detail
                + ". Upload the original content again to repair it");
        this.digest = digest;
    }

    public Digest digest() {
        return digest;
    }
}
