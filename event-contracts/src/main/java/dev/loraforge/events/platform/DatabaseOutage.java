package dev.loraforge.events.platform;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Riding out PostgreSQL being away (restarted, failed over, the network cut): work that must not be dropped, such as
 * an event a consumer has taken from Kafka, waits for the database and is then done, instead of failing (which stops
 * a SmallRye channel for good, or ends a healthy training attempt). Only a lost or refused connection counts as an
 * outage: SQLState class 08 (connection exception), 57P01-57P03 (the server shutting down or starting), a connection
 * refused, or the pool's acquisition timeout; any other failure is thrown at once.
 */
public final class DatabaseOutage {

    private static final Logger LOG = Logger.getLogger(DatabaseOutage.class);
    private static final Duration FIRST_WAIT = Duration.ofMillis(250);
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(5);

    private DatabaseOutage() {
    }

    /**
     * Whether {@code e}, a cause or a suppressed exception of any of them says the database could not be reached,
     * rather than that the work was wrong. Suppressed ones count: a commit that fails on a lost connection comes out
     * of the transaction manager as a {@code RollbackException} whose cause is nothing and whose suppressed
     * {@code XAException} holds the driver's I/O error.
     */
    public static boolean isOutage(Throwable e) {
        return isOutage(e, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
    }

    private static boolean isOutage(Throwable t, java.util.Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return false;
        }
        if (t instanceof SQLTransientConnectionException || t instanceof ConnectException) {
            return true;
        }
        if (t instanceof SQLException sql) {
            String state = sql.getSQLState();
            if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                    || state.equals("57P03"))) {
                return true;
            }
            String message = String.valueOf(sql.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (message.contains("acquisition timeout")) { // Agroal: no connection could be had in time
                return true;
            }
        }
        if (t.getClass().getName().equals("org.hibernate.exception.JDBCConnectionException")) {
            return true;
        }
        for (Throwable suppressed : t.getSuppressed()) {
            if (isOutage(suppressed, seen)) {
                return true;
            }
        }
        return isOutage(t.getCause(), seen);
    }

    /**
     * Runs {@code work} (a whole transaction) until it succeeds, waiting out database outages with backoff (250 ms
     * doubling to 5 s), as long as it takes; {@code what} names the work in the log. Any other failure is thrown.
     *
     * @throws IllegalStateException when the waiting thread is interrupted (the service is stopping)
     */
    public static <T> T waitOutFor(String what, Supplier<T> work) {
        long waitMillis = FIRST_WAIT.toMillis();
        long since = 0;
        int tries = 0;
        while (true) {
            try {
                T result = work.get();
                if (tries > 0) {
                    LOG.infof("the database is back: %s done after %d tries over %.1f s", what, tries + 1,
                            (System.nanoTime() - since) / 1e9);
                }
                return result;
            } catch (RuntimeException e) {
                if (!isOutage(e)) {
                    throw e;
                }
                if (tries == 0) {
                    since = System.nanoTime();
                    LOG.warnf("the database is unreachable (%s): %s waits for it", rootMessage(e), what);
                } else if (tries % 10 == 0) {
                    LOG.warnf("the database is still unreachable after %.0f s: %s waits for it",
                            (System.nanoTime() - since) / 1e9, what);
                }
                tries++;
                try {
                    Thread.sleep(waitMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the database: " + what, e);
                }
                waitMillis = Math.min(waitMillis * 2, LONGEST_WAIT.toMillis());
            }
        }
    }

    /** {@link #waitOutFor(String, Supplier)} for work without a result. */
    public static void waitOut(String what, Runnable work) {
        waitOutFor(what, () -> {
            work.run();
            return null;
        });
    }

    /**
     * A periodic task (an outbox relay, a dispatcher) through outages: a tick that finds the database away is skipped
     * (the next one tries again), said once per outage instead of an error per tick; other failures are thrown.
     */
    public static final class Ticks {

        private final String what;
        private volatile boolean away;

        public Ticks(String what) {
            this.what = what;
        }

        public void run(Runnable tick) {
            try {
                tick.run();
                if (away) {
                    away = false;
                    LOG.infof("the database is back: %s runs again", what);
                }
            } catch (RuntimeException e) {
                if (!isOutage(e)) {
                    throw e;
                }
                if (!away) {
                    away = true;
                    LOG.warnf("the database is unreachable (%s): %s waits for it", rootMessage(e), what);
                }
            }
        }

        /** Whether the last tick found the database away. */
        public boolean away() {
            return away;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
