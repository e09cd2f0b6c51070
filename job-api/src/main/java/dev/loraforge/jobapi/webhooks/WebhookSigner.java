package dev.loraforge.jobapi.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks symmetric signatures: secrets are {@code whsec_} and the base64 of random bytes;
 * a signature is {@code v1,} and the base64 HMAC-SHA256, keyed with the secret's decoded bytes, of
 * {@code <webhook-id>.<webhook-timestamp>.<body>}; several are sent space-separated.
 */
public final class WebhookSigner {

    public static final String SECRET_PREFIX = "whsec_";
    /** 256 bits; the spec asks for at least 24 bytes (192 bits). */
    static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSigner() {
    }

    public static String newSecret() {
        byte[] key = new byte[SECRET_BYTES];
        RANDOM.nextBytes(key);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** {@code v1,<base64 HMAC-SHA256>} of one secret. */
    public static String sign(String secret, String webhookId, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
            mac.update((webhookId + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** The {@code webhook-signature} header: one signature per secret, space-separated. */
    public static String header(List<String> secrets, String webhookId, long timestamp, byte[] body) {
        return secrets.stream().map(s -> sign(s, webhookId, timestamp, body)).collect(Collectors.joining(" "));
    }

    private static byte[] key(String secret) {
        if (!secret.startsWith(SECRET_PREFIX)) {
            throw new IllegalArgumentException("a webhook secret starts with " + SECRET_PREFIX);
        }
        return Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    }
}
