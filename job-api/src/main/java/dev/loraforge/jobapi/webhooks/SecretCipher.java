package dev.loraforge.jobapi.webhooks;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Webhook signing secrets encrypted at rest: AES-256-GCM with a fresh 96-bit nonce per value, stored as
 * {@code enc:v1:<base64(nonce | ciphertext | tag)>}. The key is {@code jobapi.webhooks.secret-key}
 * ({@code JOBAPI_WEBHOOKS_SECRET_KEY}, at least 32 bytes) when set, else one derived from the platform's service key
 * (HMAC-SHA256 of it over a label of its own, so neither key reveals the other). A database dump alone no longer signs
 * webhooks. A value without the prefix is a secret stored before encryption: read as it is, and encrypted at start
 * ({@link SecretEncryption}).
 */
@Converter
public class SecretCipher implements AttributeConverter<String, String> {

    static final String PREFIX = "enc:v1:";
    private static final int NONCE_BYTES = 12;
    private static final byte[] AAD = "loraforge webhook secret".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static volatile SecretKeySpec key;

    @Override
    public String convertToDatabaseColumn(String secret) {
        if (secret == null) {
            return null;
        }
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(AAD);
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return PREFIX + Base64.getEncoder().encodeToString(ByteBuffer.allocate(nonce.length + sealed.length)
                    .put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt a webhook secret: " + e.getMessage(), e);
        }
    }

    @Override
    public String convertToEntityAttribute(String stored) {
        if (stored == null || !stored.startsWith(PREFIX)) {
            return stored;
        }
        try {
            byte[] all = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(128, all, 0, NONCE_BYTES));
            cipher.updateAAD(AAD);
            return new String(cipher.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("a stored webhook secret cannot be decrypted: was jobapi.webhooks.secret-key"
                    + " (or, without it, the service key) changed? Restore the key it was encrypted with", e);
        }
    }

    /** Whether a stored value is encrypted. */
    static boolean encrypted(String stored) {
        return stored != null && stored.startsWith(PREFIX);
    }

    private static SecretKeySpec key() {
        SecretKeySpec k = key;
        if (k == null) {
            var config = ConfigProvider.getConfig();
            String own = config.getOptionalValue("jobapi.webhooks.secret-key", String.class).orElse(null);
            byte[] material;
            if (own != null) {
                material = own.getBytes(StandardCharsets.UTF_8);
                if (material.length < 32) {
                    throw new IllegalStateException("jobapi.webhooks.secret-key has " + material.length
                            + " bytes; at least 32 are needed (for example: openssl rand -base64 48)");
                }
            } else {
                String serviceKey = config.getOptionalValue("loraforge.service-auth.key", String.class).orElseThrow(() ->
                        new IllegalStateException("no key to encrypt webhook secrets with: set JOBAPI_WEBHOOKS_SECRET_KEY"
                                + " or LORAFORGE_SERVICE_KEY"));
                material = serviceKey.getBytes(StandardCharsets.UTF_8);
            }
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(material, "HmacSHA256"));
                k = new SecretKeySpec(mac.doFinal("loraforge webhook secrets v1".getBytes(StandardCharsets.US_ASCII)), "AES");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
            key = k;
        }
        return k;
    }
}
