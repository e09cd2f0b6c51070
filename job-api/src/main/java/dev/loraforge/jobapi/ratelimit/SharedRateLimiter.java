package dev.loraforge.jobapi.ratelimit;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Per-tenant request rates shared by every job-api replica: the token buckets ({@link TokenBucket}'s rule: a
 * minute's worth as a burst, refilled evenly) live in PostgreSQL ({@code rate_buckets}), each take one atomic upsert
 * timed by the database's clock, so N replicas allow the configured rate together, and a restart forgets nothing.
 * While the database cannot be reached each replica falls back to counting its own requests ({@link RateLimiter}),
 * which is what the limits were before: degraded, never unlimited.
 */
@ApplicationScoped
public class SharedRateLimiter {

    private static final Logger LOG = Logger.getLogger(SharedRateLimiter.class);

    /**
     * Takes a token when the refilled bucket holds one; the new bucket starts full less the token taken. Parameters:
     * tenant, kind, capacity (per minute). Answers the tokens left, or no row when there was no token.
     */
    private static final String TAKE = """
            INSERT INTO rate_buckets AS b (tenant_id, kind, tokens, updated_at)
            VALUES (?, ?, ? - 1, clock_timestamp())
            ON CONFLICT (tenant_id, kind) DO UPDATE
               SET tokens = LEAST(excluded.tokens + 1, b.tokens
                       + EXTRACT(EPOCH FROM excluded.updated_at - b.updated_at) * (excluded.tokens + 1) / 60.0) - 1,
                   updated_at = excluded.updated_at
             WHERE LEAST(excluded.tokens + 1, b.tokens
                       + EXTRACT(EPOCH FROM excluded.updated_at - b.updated_at) * (excluded.tokens + 1) / 60.0) >= 1
            RETURNING tokens""";

    /** The tokens a bucket holds now (capacity, tenant, kind). */
    private static final String LEFT = """
            SELECT LEAST(?, tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at) * ? / 60.0)
              FROM rate_buckets WHERE tenant_id = ? AND kind = ?""";

    private final AgroalDataSource database;
    private final RateLimiter fallback = new RateLimiter(System::nanoTime);
    private final AtomicLong lastWarning = new AtomicLong();

    public SharedRateLimiter(AgroalDataSource database) {
        this.database = database;
    }

    /** One request of {@code kind} by {@code tenant} under a limit of {@code perMinute} (0 or less: unlimited). */
    public RateLimiter.Decision take(String tenant, String kind, int perMinute) {
        if (perMinute <= 0) {
            return new RateLimiter.Decision(true, 0, 0, 0);
        }
        try (Connection c = database.getConnection()) {
            try (PreparedStatement take = c.prepareStatement(TAKE)) {
                take.setString(1, tenant);
                take.setString(2, kind);
                take.setInt(3, perMinute);
                try (ResultSet r = take.executeQuery()) {
                    if (r.next()) {
                        return new RateLimiter.Decision(true, perMinute, (int) Math.max(0, Math.floor(r.getDouble(1))), 0);
                    }
                }
            }
            double left = 0;
            try (PreparedStatement read = c.prepareStatement(LEFT)) {
                read.setInt(1, perMinute);
                read.setInt(2, perMinute);
                read.setString(3, tenant);
                read.setString(4, kind);
                try (ResultSet r = read.executeQuery()) {
                    left = r.next() ? r.getDouble(1) : 0;
                }
            }
            double waitSeconds = (1 - Math.min(1, Math.max(0, left))) * 60.0 / perMinute;
            return new RateLimiter.Decision(false, perMinute, (int) Math.max(0, Math.floor(left)),
                    Math.max(1, (long) Math.ceil(waitSeconds)));
        } catch (SQLException e) {
            long now = System.nanoTime();
            long last = lastWarning.get();
            if (now - last > 60_000_000_000L && lastWarning.compareAndSet(last, now)) {
                LOG.warnf("rate limits: the database is unreachable (%s); counting this replica's requests only until"
                        + " it answers", e.getMessage());
            }
            return fallback.take(tenant, kind, perMinute);
        }
    }
}
