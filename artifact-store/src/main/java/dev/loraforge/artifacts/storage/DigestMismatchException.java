package dev.loraforge.artifacts.storage;

/** Uploaded content whose sha256 is not the digest the client stated; nothing was kept. */
public class DigestMismatchException extends java.io.IOException {

    private final Digest expected;
    private final Digest actual;
    private final long size;

    public DigestMismatchException(Digest expected, Digest actual, long size) {
        super("the content (" + size + " bytes) has digest " + actual + ", not the stated " + expected
                + "; nothing was stored. Check that the file was sent unmodified and the digest belongs to it");
        this.expected = expected;
        this.actual = actual;
        this.size = size;
    }

    public Digest expected() {
        return expected;
    }

    public Digest actual() {
        return actual;
    }

    public long size() {
        return size;
    }
}
