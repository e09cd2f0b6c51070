package dev.loraforge.jobapi.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A receiver's verification, written from the Standard Webhooks text and independent of the
 * signer under test: HMAC-SHA256 keyed with the base64-decoded part of {@code whsec_...} over
 * {@code id.timestamp.body}, compared with each space-separated {@code v1,<base64>} signature.
 */
final class StandardWebhooks {
    private StandardWebhooks() {
    }

    static boolean verifies(String secret, Receiver.Received request) {
        String id = request.header("webhook-id");
        String timestamp = request.header("webhook-timestamp");
        String signatures = request.header("webhook-signature");
        if (id == null || timestamp == null || signatures == null) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            byte[] expected = mac.doFinal(request.body());
            for (String signature : signatures.split(" ")) {
                int comma = signature.indexOf(',');
                if (comma > 0 && signature.substring(0, comma).equals("v1")
                        && MessageDigest.isEqual(expected, Base64.getDecoder().decode(signature.substring(comma + 1)))) {
                    return true;
                }
            }
            return false;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
