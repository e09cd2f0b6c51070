package dev.loraforge.artifacts.testing;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Pseudo-random bytes generated on the fly (xorshift64*), so tests can move tens of megabytes
 * without ever holding them: the same size and seed always give the same bytes.
 */
public class GeneratedContent extends InputStream {

    private final long size;
    private long state;
    private long position;
    private long word;
    private int wordLeft;

    public GeneratedContent(long size, long seed) {
        this.size = size;
        this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
    }

    /** Bytes handed out so far. */
    public long position() {
        return position;
    }

    /** Called before bytes at {@code position} are produced; tests override it to pause. */
    protected void beforeRead(long position) throws IOException {
    }

    private int nextByte() {
        if (wordLeft == 0) {
            state ^= state >>> 12;
            state ^= state << 25;
            state ^= state >>> 27;
            word = state * 0x2545F4914F6CDD1DL;
            wordLeft = 8;
        }
        int b = (int) (word & 0xff);
        word >>>= 8;
        wordLeft--;
        return b;
    }

    @Override
    public int read() throws IOException {
        if (position >= size) {
            return -1;
        }
        beforeRead(position);
        position++;
        return nextByte();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (position >= size) {
            return -1;
        }
        beforeRead(position);
        int n = (int) Math.min(len, size - position);
        for (int i = 0; i < n; i++) {
            b[off + i] = (byte) nextByte();
        }
        position += n;
        return n;
    }

    /** {@code sha256:<hex>} of the content, computed by streaming it. */
    public static String digest(long size, long seed) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = new GeneratedContent(size, seed)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }

    /** {@code sha256:<hex>} of some bytes. */
    public static String digest(byte[] bytes) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
