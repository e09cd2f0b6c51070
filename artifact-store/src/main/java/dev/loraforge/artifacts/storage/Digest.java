package dev.loraforge.artifacts.storage;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A sha256 content digest, written {@code sha256:<64 lowercase hex>} everywhere on the wire. */
public record Digest(String hex) {

    private static final Pattern FORM = Pattern.compile("sha256:[0-9a-f]{64}");

    public Digest {
        if (hex == null || !hex.matches("[0-9a-f]{64}")) {
            throw new InvalidDigestException("a sha256 digest has 64 lowercase hex digits, got '" + hex + "'");
        }
    }

    /**
     * Parses {@code sha256:<64 lowercase hex>}.
     *
     * @throws InvalidDigestException naming what is wrong and the expected form
     */
    public static Digest parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidDigestException("the digest is missing; expected 'sha256:' followed by 64 lowercase hex digits");
        }
        if (!FORM.matcher(text).matches()) {
            String shown = text.length() > 80 ? text.substring(0, 80) + "..." : text;
            String why = !text.startsWith("sha256:") ? "it must start with 'sha256:' (the only algorithm supported)"
                    : text.length() != 71 ? "the hex part has " + (text.length() - 7) + " characters instead of 64"
                    : "the hex part must be lowercase 0-9a-f";
            throw new InvalidDigestException("invalid digest '" + shown + "': " + why);
        }
        return new Digest(text.substring(7));
    }

    /** The digest a finished {@link MessageDigest} computed. */
    public static Digest of(MessageDigest sha256) {
        return new Digest(HexFormat.of().formatHex(sha256.digest()));
    }

    /** A fresh SHA-256 hasher. */
    public static MessageDigest newHasher() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "sha256:" + hex;
    }
}
