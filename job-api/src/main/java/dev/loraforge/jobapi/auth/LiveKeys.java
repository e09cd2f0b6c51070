package dev.loraforge.jobapi.auth;

import dev.loraforge.jobapi.repository.ApiKeyEntity;
import dev.loraforge.jobapi.repository.ApiKeyRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tenants' live API keys by hash, kept for {@link #TTL} so that a request costs no database read: with one, job-api
 * checks a key once every few seconds instead of on every call. Only keys found live are kept (a wrong key is looked
 * up each time and fills nothing). A key revoked through this replica stops working at once ({@link #forget}); through
 * another replica, within {@link #TTL}. {@code last_used_at} is still written at most once a minute per key.
 */
@ApplicationScoped
public class LiveKeys {

    /** How long a key found live is trusted without reading it again. */
    public static final Duration TTL = Duration.ofSeconds(5);

    private final ApiKeyRepository keys;
    private final Map<String, Known> byHash = new ConcurrentHashMap<>();

    public LiveKeys(ApiKeyRepository keys) {
        this.keys = keys;
    }

    /** What a live key says about its caller. */
    public record Key(String keyId, String tenantId) {
    }

    private record Known(Key key, long until) {
    }

    /** The live key with this hash, or empty. */
    public Optional<Key> find(String hash) {
        long now = System.nanoTime();
        Known known = byHash.get(hash);
        if (known != null && now - known.until() < 0) {
            return Optional.of(known.key());
        }
        Optional<Key> found = QuarkusTransaction.requiringNew().call(() -> keys.findLive(hash).map(LiveKeys::used));
        found.ifPresentOrElse(k -> byHash.put(hash, new Known(k, now + TTL.toNanos())), () -> byHash.remove(hash));
        return found;
    }

    /** Drops a key (revoked): the next request with it reads it again. */
    public void forget(String keyId) {
        byHash.values().removeIf(k -> k.key().keyId().equals(keyId));
    }

    private static Key used(ApiKeyEntity k) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        if (k.lastUsedAt == null || k.lastUsedAt.isBefore(now.minusMinutes(1))) {
            k.lastUsedAt = now;
        }
        return new Key(k.id, k.tenantId);
    }
}
