package dev.loraforge.contracts.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short-lived service tokens, how the platform's services prove to each other who is calling: a JSON Web Token
 * (RFC 7519, compact form) signed with HMAC-SHA256 under the platform's service key, with {@code iss} the calling
 * service, {@code aud} the service called, {@code iat} and {@code exp} (5 minutes; a verifier accepts at most one
 * hour between them and 30 seconds of clock skew). A token for one service is refused by every other ({@code aud}),
 * and a service accepts only the callers it names. Any JWT library verifies these tokens; nothing else is in them.
 *
 * <p>The key is a secret of the whole platform (bin/platform generates one, the Helm chart takes it from a Secret):
 * whoever holds it can speak for any service, so it is given to the services and to operators' tools only.
 */
public final class ServiceTokens {

    /** The shortest key accepted, in bytes (HMAC-SHA256's block of security). */
    public static final int MIN_KEY_BYTES = 32;
    /** How long an issued token lives. */
    public static final Duration TTL = Duration.ofMinutes(5);
    /** The longest life a verifier accepts, for tokens that operators' tools mint by hand. */
    public static final Duration MAX_TTL = Duration.ofHours(1);
    /** Clock difference tolerated between services. */
    public static final Duration SKEW = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final String HEADER = B64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
            .getBytes(StandardCharsets.UTF_8));

    /** What a valid token says: who called, whom, until when. */
    public record Caller(String service, String audience, Instant expires) {
    }

    private record Cached(String token, Instant expires) {
    }

    private final String self;
    private final byte[] key;
    private final Clock clock;
    private final ConcurrentMap<String, Cached> issued = new ConcurrentHashMap<>();

    /** {@code self}: this service's name, the issuer of its tokens; {@code key}: the platform's service key. */
    public ServiceTokens(String self, String key, Clock clock) {
        if (self == null || self.isBlank()) {
            throw new IllegalArgumentException("loraforge.service-auth.name is empty: name this service (artifact-store,"
                    + " trainer-service, ...)");
        }
        this.self = self;
        this.key = checkedKey(key);
        this.clock = clock;
    }

    public String self() {
        return self;
    }

    /** The key's bytes, refused when missing or short, with what to do about it. */
    public static byte[] checkedKey(String key) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("no service key: set LORAFORGE_SERVICE_KEY (loraforge.service-auth.key)"
                    + " to the platform's shared secret of at least " + MIN_KEY_BYTES + " bytes; bin/platform generates"
                    + " one, the Helm chart reads it from a Secret");
        }
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the service key has " + bytes.length + " bytes; at least "
                    + MIN_KEY_BYTES + " are needed (for example: openssl rand -base64 48)");
        }
        return bytes;
    }

    /** {@code Bearer <token>} for a call to {@code audience}; a token is reused until a minute before it expires. */
    public String authorization(String audience) {
        Instant now = clock.instant();
        Cached cached = issued.get(audience);
        if (cached == null || cached.expires().minus(Duration.ofMinutes(1)).isBefore(now)) {
            cached = new Cached(issue(key, self, audience, now, TTL), now.plus(TTL));
            issued.put(audience, cached);
        }
        return "Bearer " + cached.token();
    }

    /** A token from {@code issuer} for {@code audience}, valid from {@code now} for {@code ttl}. */
    public static String issue(byte[] key, String issuer, String audience, Instant now, Duration ttl) {
        ObjectNode claims = JSON.createObjectNode().put("iss", issuer).put("aud", audience)
                .put("iat", now.getEpochSecond()).put("exp", now.plus(ttl).getEpochSecond());
        String signed = HEADER + "." + B64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
        return signed + "." + B64.encodeToString(hmac(key, signed));
    }

    /**
     * Checks an {@code Authorization} header value for a call to {@code audience} from one of {@code callers}.
     *
     * @throws ServiceTokenException saying what is wrong (never echoing the token)
     */
    public Caller verify(String authorization, String audience, Set<String> callers) {
        if (authorization == null || authorization.isBlank()) {
            throw new ServiceTokenException("no service token: internal APIs need 'Authorization: Bearer <token>',"
                    + " a token signed with the platform's service key for audience '" + audience + "'");
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ServiceTokenException("the Authorization header is not 'Bearer <token>'");
        }
        String token = authorization.substring(7).trim();
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || token.length() > 4096) {
            throw new ServiceTokenException("the service token is not a signed JWT (header.claims.signature)");
        }
        JsonNode header = json(parts[0], "header");
        if (!"HS256".equals(header.path("alg").asText())) {
            throw new ServiceTokenException("the service token's algorithm is '" + header.path("alg").asText()
                    + "'; only HS256 is accepted");
        }
        byte[] signature;
        try {
            signature = B64D.decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new ServiceTokenException("the service token's signature is not base64url");
        }
        if (!MessageDigest.isEqual(signature, hmac(key, parts[0] + "." + parts[1]))) {
            throw new ServiceTokenException("the service token's signature does not match the platform's service key");
        }
        JsonNode claims = json(parts[1], "claims");
        String issuer = claims.path("iss").asText("");
        String aud = claims.path("aud").asText("");
        if (!aud.equals(audience)) {
            throw new ServiceTokenException("the service token is for '" + aud + "', not for '" + audience + "'");
        }
        if (!callers.contains(issuer)) {
            throw new ServiceTokenException("'" + issuer + "' may not call " + audience + " (it accepts "
                    + String.join(", ", new java.util.TreeSet<>(callers)) + ")");
        }
        if (!claims.path("iat").canConvertToLong() || !claims.path("exp").canConvertToLong()) {
            throw new ServiceTokenException("the service token lacks iat or exp");
        }
        Instant now = clock.instant();
        Instant iat = Instant.ofEpochSecond(claims.path("iat").asLong());
        Instant exp = Instant.ofEpochSecond(claims.path("exp").asLong());
        if (exp.plus(SKEW).isBefore(now)) {
            throw new ServiceTokenException("the service token expired at " + exp);
        }
        if (iat.minus(SKEW).isAfter(now)) {
            throw new ServiceTokenException("the service token is issued in the future (" + iat + "); check the clocks");
        }
        if (Duration.between(iat, exp).compareTo(MAX_TTL) > 0 || exp.isBefore(iat)) {
            throw new ServiceTokenException("the service token lives longer than " + MAX_TTL.toMinutes() + " minutes");
        }
        return new Caller(issuer, aud, exp);
    }

    private static JsonNode json(String part, String what) {
        try {
            JsonNode node = JSON.readTree(B64D.decode(part));
            if (node == null || !node.isObject()) {
                throw new ServiceTokenException("the service token's " + what + " is not a JSON object");
            }
            return node;
        } catch (IOException | IllegalArgumentException e) {
            throw new ServiceTokenException("the service token's " + what + " is not base64url JSON");
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
