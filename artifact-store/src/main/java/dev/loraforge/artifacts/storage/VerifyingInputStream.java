package dev.loraforge.artifacts.storage;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes a blob's bytes while they are read and checks the digest before the LAST bytes are handed
 * out: when the blob does not hash to its digest (or is shorter or longer than its size), the read
 * that would complete it throws {@link CorruptBlobException}. A reader therefore never holds a
 * complete wrong blob.
 */
final class VerifyingInputStream extends FilterInputStream {

    private final Digest digest;
    private final long size;
    private final MessageDigest hasher = Digest.newHasher();
    private long position;
    private boolean verified;

    VerifyingInputStream(InputStream in, Digest digest, long size) {
        super(in);
        this.digest = digest;
        this.size = size;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (verified) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        int want = (int) Math.min(len, size - position);
        int n = want == 0 ? -1 : in.read(b, off, want);
        if (n < 0) {
            if (position < size) {
                throw new CorruptBlobException(digest, "it ends after " + position + " of " + size + " bytes");
            }
            finish();
            return -1;
        }
        hasher.update(b, off, n);
        position += n;
        if (position == size) {
            finish(); // before these last bytes leave
        }
        return n;
    }

    private void finish() throws IOException {
        if (in.read() >= 0) {
            throw new CorruptBlobException(digest, "it is longer than its recorded " + size + " bytes");
        }
        Digest actual = Digest.of(hasher);
        if (!actual.equals(digest)) {
            throw new CorruptBlobException(digest, "its " + size + " bytes hash to " + actual);
        }
        verified = true;
    }

    @Override
    public long skip(long n) throws IOException {
        // skipping would leave bytes unhashed: read them instead
        byte[] buffer = new byte[8192];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
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
}
