package dev.loraforge.events;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Hashes every byte that passes, skipped ones included: {@link java.security.DigestInputStream}
 * lets {@code skip} bypass the digest, and {@link DirectoryArchive#extract} skips the padding of
 * tar entries, so a digest checked while an archive is extracted needs this stream.
 */
public final class HashingInputStream extends FilterInputStream {

    private final MessageDigest digest;
    private final byte[] skipBuffer = new byte[8192];

    public HashingInputStream(InputStream in, MessageDigest digest) {
        super(in);
        this.digest = digest;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            digest.update((byte) b);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            digest.update(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = 0;
        while (skipped < n) {
            int r = read(skipBuffer, 0, (int) Math.min(skipBuffer.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** A SHA-256 hashing stream over {@code in}. */
    public static HashingInputStream sha256(InputStream in) {
        try {
            return new HashingInputStream(in, MessageDigest.getInstance("SHA-256"));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** {@code sha256:<hex>} of what passed so far (ends the digest; meant for a SHA-256 digest). */
    public String hex() {
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }
}
