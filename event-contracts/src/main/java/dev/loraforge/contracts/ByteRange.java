package dev.loraforge.contracts;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One byte range of a representation of {@code total} bytes, as HTTP's {@code Range: bytes=...} asks for it
 * (RFC 9110 section 14): {@code first-last}, {@code first-} or a suffix {@code -n}. Every large download of the
 * platform (blobs, exported models) answers ranges the same way: a satisfiable single range is a 206 with
 * {@code Content-Range}; an unsatisfiable one a 416 with {@code Content-Range: bytes *}{@code /total}; anything
 * else (no header, several ranges, another unit, a malformed value) is ignored and the whole representation sent,
 * as the RFC lets a server do.
 *
 * @param first the first byte's offset
 * @param last  the last byte's offset (inclusive)
 * @param total the representation's length
 */
public record ByteRange(long first, long last, long total) {

    /** The response header naming the unit ranges are accepted in. */
    public static final String ACCEPT_RANGES = "Accept-Ranges";
    public static final String CONTENT_RANGE = "Content-Range";
    public static final String RANGE = "Range";

    private static final Pattern SINGLE = Pattern.compile("\\s*bytes\\s*=\\s*(\\d*)\\s*-\\s*(\\d*)\\s*");

    /** A range that asks for no byte of the representation: answered 416. */
    public static final class Unsatisfiable extends RuntimeException {
        private final long total;

        public Unsatisfiable(String header, long total) {
            super("the range '" + header + "' asks for no byte of the " + total + " there are; ask for bytes=0-"
                    + Math.max(0, total - 1) + " or less");
            this.total = total;
        }

        /** {@code bytes *}{@code /total}, the 416's Content-Range. */
        public String contentRange() {
            return "bytes */" + total;
        }
    }

    /**
     * The range {@code header} asks for in a representation of {@code total} bytes; empty when the whole
     * representation is to be sent (no header, or one this method ignores). A range past the end is cut at it.
     *
     * @throws Unsatisfiable when the range starts at or after the end, or is an empty suffix
     */
    public static Optional<ByteRange> parse(String header, long total) {
        if (header == null || header.isBlank() || header.indexOf(',') >= 0) {
            return Optional.empty();
        }
        Matcher m = SINGLE.matcher(header);
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())
                || m.group(1).length() > 18 || m.group(2).length() > 18) {
            return Optional.empty();
        }
        if (m.group(1).isEmpty()) { // suffix: the last n bytes
            long n = Long.parseLong(m.group(2));
            if (n == 0 || total == 0) {
                throw new Unsatisfiable(header, total);
            }
            return Optional.of(new ByteRange(Math.max(0, total - n), total - 1, total));
        }
        long first = Long.parseLong(m.group(1));
        long last = m.group(2).isEmpty() ? Long.MAX_VALUE : Long.parseLong(m.group(2));
        if (last < first) {
            return Optional.empty(); // syntactically invalid: ignored
        }
        if (first >= total) {
            throw new Unsatisfiable(header, total);
        }
        return Optional.of(new ByteRange(first, Math.min(last, total - 1), total));
    }

    /** How many bytes the range holds. */
    public long length() {
        return last - first + 1;
    }

    /** {@code bytes first-last/total}, the 206's Content-Range. */
    public String contentRange() {
        return "bytes " + first + "-" + last + "/" + total;
    }
}
