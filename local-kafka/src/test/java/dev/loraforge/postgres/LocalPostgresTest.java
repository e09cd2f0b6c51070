package dev.loraforge.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The embedded default database: a real PostgreSQL server started on a free port where none answers (as root, run as
 * nobody), its databases created, usable over JDBC, left alone when it already runs, and stopped; started again on
 * the same files, the data is still there. Also the test-run fallback on a URL nobody serves.
 */
class LocalPostgresTest {

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Path dir() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "local-postgres-test");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir.resolve("pg");
    }

    @Test
    void startsWhereNothingAnswersCreatesTheDatabasesAndKeepsTheData() throws Exception {
        int port = freePort();
        Path dir = dir();
        LocalPostgres pg = LocalPostgres.ensure(dir, port, List.of("loraforge", "test"), false);
        try {
            assertThat(pg).as("started by this call").isNotNull();
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("loraforge"), "postgres", "")) {
                c.createStatement().execute("create table kept (v text)");
                c.createStatement().execute("insert into kept values ('still here')");
                ResultSet version = c.createStatement().executeQuery("show server_version");
                version.next();
                assertThat(version.getString(1)).startsWith("17.");
            }
            assertThat(LocalPostgres.ensure(dir, port, List.of("another"), false))
                    .as("a server already answers: nothing started, the missing database created").isNull();
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("another"), "postgres", "")) {
                assertThat(c.isValid(5)).isTrue();
            }
        } finally {
            assertThat(LocalPostgres.stop(dir)).isTrue();
        }
        assertThat(LocalPostgres.listening(port)).as("stopped").isFalse();
        assertThat(LocalPostgres.stop(dir)).as("nothing left to stop").isFalse();

        LocalPostgres again = LocalPostgres.ensure(dir, port, List.of(), true);
        try (Connection c = DriverManager.getConnection(again.jdbcUrl("loraforge"), "postgres", "")) {
            ResultSet kept = c.createStatement().executeQuery("select v from kept");
            assertThat(kept.next()).isTrue();
            assertThat(kept.getString(1)).isEqualTo("still here");
        } finally {
            again.stop();
            delete(dir.getParent());
        }
    }

    private static void delete(Path root) throws java.io.IOException {
        try (var files = Files.walk(root)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void theTestRunFallbackServesAUrlNobodyAnswersAndLeavesOtherHostsAlone() throws Exception {
        int port = freePort();
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/fallback_test";
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "loraforge-embedded-postgres-" + port);
        try {
            EmbeddedDatabaseListener.ensure(url);
            try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
                assertThat(c.isValid(5)).isTrue();
            }
            EmbeddedDatabaseListener.ensure(url); // answers now: nothing to do
        } finally {
            LocalPostgres.stop(dir);
            delete(dir);
        }
        int other = freePort();
        EmbeddedDatabaseListener.ensure("jdbc:postgresql://db.example:" + other + "/x");
        assertThat(LocalPostgres.listening(other)).as("not this machine: nothing started").isFalse();
    }
}
