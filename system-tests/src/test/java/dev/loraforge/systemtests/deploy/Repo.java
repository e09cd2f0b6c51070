package dev.loraforge.systemtests.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The repository as the deployment files see it: where its root is, which services it has, and
 * what each service's {@code application.properties} says.
 */
final class Repo {

    /** The five Quarkus services, by module folder (also their compose service and chart component name). */
    static final List<String> SERVICES = List.of("job-api", "artifact-store", "trainer-service", "quant-service",
            "inference-service");

    /** Services without a database and without Kafka (they get neither setting). */
    static final List<String> STATELESS = List.of("inference-service");

    /** Whether {@code service} uses the platform's PostgreSQL database and Kafka. */
    static boolean usesDatabaseAndKafka(String service) {
        return !STATELESS.contains(service);
    }

    private static Path root;

    private Repo() {
    }

    /**
     * The repository root: the system property {@code loraforge.root} if set, else the first folder
     * holding {@code docker-compose.yml} walking up from the working directory.
     */
    static synchronized Path root() {
        if (root != null) {
            return root;
        }
        String configured = System.getProperty("loraforge.root");
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isRegularFile(path.resolve("docker-compose.yml"))) {
                throw new IllegalStateException("system property loraforge.root=" + configured
                        + " does not point at the repository root: no docker-compose.yml in " + path);
            }
            root = path;
            return root;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docker-compose.yml"))) {
                root = dir;
                return root;
            }
        }
        throw new IllegalStateException("no docker-compose.yml in " + start + " or any parent folder; run the tests"
                + " inside the repository or set -Dloraforge.root=<repository root>");
    }

    static Path module(String module) {
        return root().resolve(module);
    }

    static Path applicationPropertiesPath(String module) {
        return module(module).resolve("src/main/resources/application.properties");
    }

    /** The service's application.properties; fails with the path when it is missing. */
    static Properties applicationProperties(String module) {
        Path path = applicationPropertiesPath(module);
        if (!Files.isRegularFile(path)) {
            throw new AssertionError(module + " has no " + root().relativize(path)
                    + ": the deployment checks read the service's port and settings from it");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + path + ": " + e.getMessage(), e);
        }
        return properties;
    }

    /**
     * The HTTP port the service listens on in production: {@code quarkus.http.port} (a
     * {@code %prod.} value wins; an expression such as {@code ${PORT:8082}} yields its default).
     */
    static int httpPort(String module) {
        Properties properties = applicationProperties(module);
        String value = properties.getProperty("%prod.quarkus.http.port", properties.getProperty("quarkus.http.port"));
        if (value == null) {
            throw new AssertionError(root().relativize(applicationPropertiesPath(module))
                    + " sets no quarkus.http.port; each service needs its own fixed port");
        }
        String trimmed = value.trim();
        if (trimmed.startsWith("${") && trimmed.endsWith("}") && trimmed.contains(":")) {
            trimmed = trimmed.substring(trimmed.lastIndexOf(':') + 1, trimmed.length() - 1);
        }
        try {
            return Integer.parseInt(trimmed);
        } catch (NumberFormatException e) {
            throw new AssertionError("quarkus.http.port of " + module + " is not a number: " + value, e);
        }
    }

    /** Ports of all services, by module. */
    static Map<String, Integer> httpPorts() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String service : SERVICES) {
            ports.put(service, httpPort(service));
        }
        return ports;
    }

    static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
