package dev.loraforge.events.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DatabaseOutageTest {

    @Test
    void lostAndRefusedConnectionsAreOutagesAndOtherFailuresAreNot() {
        assertThat(DatabaseOutage.isOutage(new RuntimeException("commit failed",
                new SQLException("An I/O error occurred while sending to the backend", "08006")))).isTrue();
        assertThat(DatabaseOutage.isOutage(new SQLException("terminating connection due to administrator command",
                "57P01"))).isTrue();
        assertThat(DatabaseOutage.isOutage(new SQLException("the database system is starting up", "57P03"))).isTrue();
        assertThat(DatabaseOutage.isOutage(new SQLTransientConnectionException("pool exhausted"))).isTrue();
        assertThat(DatabaseOutage.isOutage(new IllegalStateException(new ConnectException("Connection refused")))).isTrue();
        assertThat(DatabaseOutage.isOutage(new SQLException("Sorry, acquisition timeout!"))).isTrue();

        assertThat(DatabaseOutage.isOutage(new RuntimeException(new SQLException("duplicate key", "23505")))).isFalse();
        assertThat(DatabaseOutage.isOutage(new SQLException("syntax error", "42601"))).isFalse();
        assertThat(DatabaseOutage.isOutage(new IllegalArgumentException("bad event"))).isFalse();
    }

    @Test
    void aCommitLostWithTheConnectionIsAnOutage() {
        // what Narayana throws when the commit's connection is cut: the driver's error is a suppressed exception's
        // cause, not in the cause chain (PlatformIT's database cut once stopped a consumer channel on it)
        Exception rollback = new Exception("ARJUNA016053: Could not commit transaction.");
        Exception xa = new Exception("Error trying to transactionCommit local transaction",
                new SQLException("An I/O error occurred while sending to the backend.", "08006"));
        rollback.addSuppressed(xa);
        assertThat(DatabaseOutage.isOutage(new RuntimeException("Error invoking subclass method", rollback))).isTrue();

        Exception refused = new Exception("ARJUNA016053: Could not commit transaction.");
        refused.addSuppressed(new Exception(new SQLException("violates check constraint", "23514")));
        assertThat(DatabaseOutage.isOutage(new RuntimeException(refused))).isFalse();
        RuntimeException loop = new RuntimeException("a cause that suppresses itself");
        loop.addSuppressed(new IllegalStateException(loop));
        assertThat(DatabaseOutage.isOutage(loop)).isFalse();
    }

    @Test
    void workWaitsOutAnOutageAndIsDoneOnceWhenTheDatabaseIsBack() {
        AtomicInteger tries = new AtomicInteger();
        String result = DatabaseOutage.waitOutFor("a test write", () -> {
            if (tries.incrementAndGet() <= 3) {
                throw new RuntimeException(new SQLException("Connection refused", "08001"));
            }
            return "written";
        });
        assertThat(result).isEqualTo("written");
        assertThat(tries).hasValue(4);
    }

    @Test
    void anyOtherFailureIsThrownAtOnce() {
        AtomicInteger tries = new AtomicInteger();
        assertThatThrownBy(() -> DatabaseOutage.waitOut("a bad write", () -> {
            tries.incrementAndGet();
            throw new RuntimeException(new SQLException("violates check constraint", "23514"));
        })).hasRootCauseMessage("violates check constraint");
        assertThat(tries).hasValue(1);
    }

    @Test
    void aPeriodicTaskSkipsTicksWhileTheDatabaseIsAwayAndThrowsOtherFailures() {
        DatabaseOutage.Ticks ticks = new DatabaseOutage.Ticks("a test relay");
        AtomicInteger ran = new AtomicInteger();
        ticks.run(() -> {
            ran.incrementAndGet();
            throw new RuntimeException(new SQLException("The connection attempt failed.", "08001"));
        });
        assertThat(ticks.away()).isTrue();
        ticks.run(ran::incrementAndGet);
        assertThat(ticks.away()).isFalse();
        assertThat(ran).hasValue(2);
        assertThatThrownBy(() -> ticks.run(() -> {
            throw new IllegalStateException("a bug");
        })).hasMessage("a bug");
    }
}
