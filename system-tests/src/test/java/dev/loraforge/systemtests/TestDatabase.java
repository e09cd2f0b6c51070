package dev.loraforge.systemtests;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A fresh PostgreSQL database for one system-test run, created on the server the developers and
 * CI use (127.0.0.1:5432 unless {@code LORAFORGE_IT_PG} says otherwise) and dropped afterwards.
 */
final class TestDatabase implements AutoCloseable {

    private final String server;
    private final String user;
    final String name;

    private TestDatabase(String server, String user, String name) {
        this.server = server;
        this.user = user;
        this.name = name;
    }

    static TestDatabase create() throws SQLException {
        // a system property first: the testcontainers profile names its container there
        return create(System.getProperty("LORAFORGE_IT_PG", System.getenv().getOrDefault("LORAFORGE_IT_PG", "127.0.0.1:5432")),
                System.getenv().getOrDefault("LORAFORGE_IT_PG_USER", "postgres"));
    }

    /** A fresh database on the server at {@code server} ({@code host:port}). */
    static TestDatabase create(String server, String user) throws SQLException {
        String name = "loraforge_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        TestDatabase db = new TestDatabase(server, user, name);
        db.execute("CREATE DATABASE " + name);
        return db;
    }

    String jdbcUrl() {
        return jdbcUrl(server);
    }

    /** The database's URL through another {@code host:port} (a relay in front of the server). */
    String jdbcUrl(String via) {
        return "jdbc:postgresql://" + via + "/" + name;
    }

    /** The server, {@code host:port}. */
    String server() {
        return server;
    }

    String user() {
        return user;
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + server + "/postgres", user, "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void close() throws SQLException {
        execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
}
