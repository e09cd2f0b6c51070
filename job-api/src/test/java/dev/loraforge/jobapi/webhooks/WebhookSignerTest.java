package dev.loraforge.jobapi.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {

    /** The test vector published with the Standard Webhooks reference libraries. */
    @Test
    void reproducesTheStandardWebhooksTestVector() {
        String signature = WebhookSigner.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330L, "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));
        assertThat(signature).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void signsWithEverySecretSpaceSeparated() {
        byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        String a = WebhookSigner.newSecret();
        String b = WebhookSigner.newSecret();
        String header = WebhookSigner.header(List.of(a, b), "evt_1", 42L, body);
        assertThat(header.split(" ")).containsExactly(WebhookSigner.sign(a, "evt_1", 42L, body),
                WebhookSigner.sign(b, "evt_1", 42L, body));
        // the timestamp and the id are signed too
        assertThat(WebhookSigner.sign(a, "evt_1", 43L, body)).isNotEqualTo(WebhookSigner.sign(a, "evt_1", 42L, body));
        assertThat(WebhookSigner.sign(a, "evt_2", 42L, body)).isNotEqualTo(WebhookSigner.sign(a, "evt_1", 42L, body));
    }

    @Test
    void secretsAreWhsecAndAtLeast24RandomBytes() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String secret = WebhookSigner.newSecret();
            assertThat(secret).startsWith("whsec_");
            assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSizeGreaterThanOrEqualTo(24);
            assertThat(seen.add(secret)).isTrue();
        }
    }
}
