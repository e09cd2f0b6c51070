package dev.loraforge.postgres;

import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Before any test of a JVM that has this jar (the services' and the system tests'), makes sure the test database
 * answers: when nothing listens where {@code LORAFORGE_TEST_DB_URL} (default {@code 127.0.0.1:5432}, database
 * {@code test}) and {@code LORAFORGE_IT_PG} point on this machine, it starts the embedded PostgreSQL there
 * ({@link LocalPostgres}, files under {@code java.io.tmpdir}, no fsync) and creates the database. A real server that
 * answers is always used instead; {@code LORAFORGE_EMBEDDED_DB=off} turns the fallback off. Registered with
 * {@code META-INF/services}, so {@code mvn -B verify} passes on a machine without a PostgreSQL server. Under the
 * {@code testcontainers} profile it starts a PostgreSQL container instead ({@link Containers}) and names it in the
 * system properties {@code LORAFORGE_TEST_DB_URL} (read by the services' test configuration) and
 * {@code LORAFORGE_IT_PG} (the system tests).
 */
public final class EmbeddedDatabaseListener implements LauncherSessionListener {

    static final String DEFAULT_TEST_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        if (containersWanted()) { // the testcontainers profile: the database is a container, named to the tests
            String server = Containers.postgres();
            System.setProperty("LORAFORGE_TEST_DB_URL", "jdbc:postgresql://" + server + "/test");
            System.setProperty("LORAFORGE_IT_PG", server);
            return;
        }
        if ("off".equalsIgnoreCase(System.getenv("LORAFORGE_EMBEDDED_DB"))) {
            return;
        }
        String testUrl = System.getenv().getOrDefault("LORAFORGE_TEST_DB_URL", DEFAULT_TEST_URL);
        ensure(testUrl);
        String it = System.getenv("LORAFORGE_IT_PG");
        if (it != null && !it.isBlank()) {
            ensure("jdbc:postgresql://" + it + "/postgres");
        }
    }

    /**
     * True under the {@code testcontainers} profile ({@code LORAFORGE_TESTCONTAINERS=true}). Kept apart from
     * {@link Containers}, which only a JVM with the Testcontainers jars may load.
     */
    public static boolean containersWanted() {
        return "true".equalsIgnoreCase(System.getenv("LORAFORGE_TESTCONTAINERS"))
                || "true".equalsIgnoreCase(System.getProperty("loraforge.testcontainers"));
    }

    /** Starts the embedded server behind {@code jdbcUrl} when it is on this machine and nothing answers there. */
    static void ensure(String jdbcUrl) {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        String host = uri.getHost();
        if (host == null || !(host.equals("127.0.0.1") || host.equals("localhost"))) {
            return;
        }
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String database = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        if (LocalPostgres.listening(port)) {
            return; // a real (or an earlier embedded) server: used as it is
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "loraforge-embedded-postgres-" + port);
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            try (FileChannel lockFile = FileChannel.open(dir.resolveSibling(dir.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockFile.lock()) { // one JVM starts it; the others then find it listening
                LocalPostgres.ensure(dir, port, database.equals("postgres") ? List.of() : List.of(database), false);
            }
            System.out.println("[loraforge] no PostgreSQL answered on 127.0.0.1:" + port
                    + ": the embedded one runs there now (files in " + LocalPostgres.home(dir) + ")");
        } catch (Exception e) {
            throw new IllegalStateException("no PostgreSQL answers on 127.0.0.1:" + port + " and the embedded one could not"
                    + " start there: " + e.getMessage() + " (start a server, set LORAFORGE_TEST_DB_URL, or see "
                    + "local-kafka/README.md)", e);
        }
    }
}
