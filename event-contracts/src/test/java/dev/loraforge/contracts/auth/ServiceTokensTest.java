package dev.loraforge.contracts.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ServiceTokensTest {

    private static final String KEY = "k".repeat(40);
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final Set<String> CALLERS = Set.of("job-api", "trainer-service");

    private static ServiceTokens at(String self, Instant now) {
        return new ServiceTokens(self, KEY, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void aTokenIsAStandardHs256JwtThatTheAudienceAccepts() throws Exception {
        String authorization = at("job-api", NOW).authorization("artifact-store");
        assertThat(authorization).startsWith("Bearer ");
        String[] parts = authorization.substring(7).split("\\.");
        assertThat(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8))
                .isEqualTo("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        assertThat(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8))
                .isEqualTo("{\"iss\":\"job-api\",\"aud\":\"artifact-store\",\"iat\":" + NOW.getEpochSecond()
                        + ",\"exp\":" + NOW.plusSeconds(300).getEpochSecond() + "}");
        // the signature is HMAC-SHA256 of header.claims, as any JWT library computes it
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertThat(Base64.getUrlDecoder().decode(parts[2]))
                .isEqualTo(mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII)));

        ServiceTokens.Caller caller = at("artifact-store", NOW.plusSeconds(60)).verify(authorization, "artifact-store", CALLERS);
        assertThat(caller.service()).isEqualTo("job-api");
        assertThat(caller.expires()).isEqualTo(NOW.plusSeconds(300));
    }

    @Test
    void aTokenIsReusedUntilAMinuteBeforeItExpires() {
        Clock[] clock = {Clock.fixed(NOW, ZoneOffset.UTC)};
        ServiceTokens tokens = new ServiceTokens("job-api", KEY, new Clock() {
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            public Instant instant() {
                return clock[0].instant();
            }
        });
        String first = tokens.authorization("artifact-store");
        clock[0] = Clock.fixed(NOW.plusSeconds(200), ZoneOffset.UTC);
        assertThat(tokens.authorization("artifact-store")).isEqualTo(first);
        assertThat(tokens.authorization("inference-service")).isNotEqualTo(first);
        clock[0] = Clock.fixed(NOW.plusSeconds(241), ZoneOffset.UTC);
        assertThat(tokens.authorization("artifact-store")).isNotEqualTo(first);
    }

    @Test
    void everyWrongTokenIsRefusedSayingWhy() {
        ServiceTokens store = at("artifact-store", NOW);
        String forQuant = at("job-api", NOW).authorization("quant-service");
        assertThatThrownBy(() -> store.verify(forQuant, "artifact-store", CALLERS))
                .hasMessageContaining("is for 'quant-service', not for 'artifact-store'");
        String fromInference = at("inference-service", NOW).authorization("artifact-store");
        assertThatThrownBy(() -> store.verify(fromInference, "artifact-store", CALLERS))
                .hasMessageContaining("'inference-service' may not call artifact-store");
        String otherKey = new ServiceTokens("job-api", "x".repeat(40), Clock.fixed(NOW, ZoneOffset.UTC))
                .authorization("artifact-store");
        assertThatThrownBy(() -> store.verify(otherKey, "artifact-store", CALLERS)).hasMessageContaining("signature");
        String expired = at("job-api", NOW.minusSeconds(400)).authorization("artifact-store");
        assertThatThrownBy(() -> store.verify(expired, "artifact-store", CALLERS)).hasMessageContaining("expired");
        String future = at("job-api", NOW.plusSeconds(120)).authorization("artifact-store");
        assertThatThrownBy(() -> store.verify(future, "artifact-store", CALLERS)).hasMessageContaining("future");
        String longLived = "Bearer " + ServiceTokens.issue(KEY.getBytes(StandardCharsets.UTF_8), "job-api",
                "artifact-store", NOW, Duration.ofHours(2));
        assertThatThrownBy(() -> store.verify(longLived, "artifact-store", CALLERS)).hasMessageContaining("longer");
        String valid = at("job-api", NOW).authorization("artifact-store").substring(7);
        String[] parts = valid.split("\\.");
        String none = "Bearer " + Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
        assertThatThrownBy(() -> store.verify(none, "artifact-store", CALLERS)).hasMessageContaining("only HS256");
        String forged = "Bearer " + parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"iss\":\"job-api\",\"aud\":\"artifact-store\",\"iat\":1,\"exp\":9999999999}".getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        assertThatThrownBy(() -> store.verify(forged, "artifact-store", CALLERS)).hasMessageContaining("signature");
        for (String garbage : new String[] {null, "", "Basic abc", "Bearer abc", "Bearer a.b.c", "Bearer ..", "Bearer "
                + parts[0] + ".%%%." + parts[2]}) {
            assertThatThrownBy(() -> store.verify(garbage, "artifact-store", CALLERS))
                    .isInstanceOf(ServiceTokenException.class).hasMessageNotContaining(parts[2]);
        }
    }

    @Test
    void aMissingOrShortKeyIsRefusedSayingWhatToSet() {
        assertThatThrownBy(() -> new ServiceTokens("job-api", null, Clock.systemUTC()))
                .hasMessageContaining("LORAFORGE_SERVICE_KEY");
        assertThatThrownBy(() -> new ServiceTokens("job-api", "short", Clock.systemUTC()))
                .hasMessageContaining("at least 32");
    }
}
