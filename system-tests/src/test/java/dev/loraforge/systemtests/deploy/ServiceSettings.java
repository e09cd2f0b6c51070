package dev.loraforge.systemtests.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The environment variables the deployment files may set on a service, and the check that the
 * service really reads each one.
 *
 * <p>Quarkus maps an environment variable to a property by upper-casing the property name and
 * replacing every non-alphanumeric character with {@code _}: {@code trainer.work-dir} is read from
 * {@code TRAINER_WORK_DIR}. A service-specific variable is "read" when its
 * {@code application.properties} has a key of that form, refers to it as {@code ${NAME}}, or one
 * of its {@code @ConfigMapping} interfaces declares a matching property.
 */
final class ServiceSettings {

    /** Read by every service through Quarkus' own configuration (port, datasource, Kafka). */
    static final Set<String> COMMON = Set.of(
            "QUARKUS_HTTP_PORT",
            "QUARKUS_DATASOURCE_JDBC_URL",
            "QUARKUS_DATASOURCE_USERNAME",
            "QUARKUS_DATASOURCE_PASSWORD",
            "KAFKA_BOOTSTRAP_SERVERS");

    /** The platform's service key, read by every service (event-contracts' ServiceAuth). */
    static final String SERVICE_KEY = "LORAFORGE_SERVICE_KEY";

    /** Read by the image's start command (src/main/docker/Dockerfile.jvm), not by the service. */
    static final String JAVA_OPTS = "JAVA_OPTS";

    /** Read by DJL itself in the services that load PyTorch. */
    static final String DJL_CACHE_DIR = "DJL_CACHE_DIR";

    /** Read by glibc itself (malloc's tunables) in the services that load PyTorch: big tensors on huge pages. */
    static final String GLIBC_TUNABLES = "GLIBC_TUNABLES";

    /**
     * Tracing, optional on the services that trace (those with quarkus-opentelemetry): the sample ratio their
     * application.properties reads, and the OTLP exporter's own settings.
     */
    static final Set<String> TRACING = Set.of("LORAFORGE_TRACES_SAMPLE_RATIO", "QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT",
            "QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL");

    /** The service-specific settings of the deployment contract, by service. */
    static final Map<String, Set<String>> SPECIFIC = Map.of(
            "job-api", Set.of("JOBAPI_ADMIN_KEY", "JOBAPI_ARTIFACT_STORE_URL", "JOBAPI_INFERENCE_URL"),
            "artifact-store", Set.of("ARTIFACTS_STORAGE_DIR", "ARTIFACTS_BASE_MODEL_ROOTS"),
            "trainer-service", Set.of("TRAINER_ARTIFACT_STORE_URL", "TRAINER_WORK_DIR", "TRAINER_THREADS",
                    "TRAINER_DEVICE", "TRAINER_WORKER_ID", DJL_CACHE_DIR, GLIBC_TUNABLES),
            "quant-service", Set.of("QUANT_ARTIFACT_STORE_URL", "QUANT_WORK_DIR", DJL_CACHE_DIR, GLIBC_TUNABLES),
            "inference-service", Set.of("INFERENCE_ARTIFACT_STORE_URL", "INFERENCE_WORK_DIR", "INFERENCE_THREADS",
                    "INFERENCE_DEVICE", DJL_CACHE_DIR, GLIBC_TUNABLES));

    /**
     * Settings a deployment must give each service (the worker id defaults to the host name; a
     * stateless service needs only its port of the common ones).
     */
    static Set<String> required(String service) {
        Set<String> required = new TreeSet<>(Repo.usesDatabaseAndKafka(service) ? COMMON : Set.of("QUARKUS_HTTP_PORT"));
        required.addAll(SPECIFIC.get(service));
        required.add(SERVICE_KEY);
        required.remove("TRAINER_WORKER_ID");
        required.remove("ARTIFACTS_BASE_MODEL_ROOTS"); // unset: any directory artifact-store can read
        return required;
    }

    private static final Pattern CONFIG_MAPPING_PREFIX =
            Pattern.compile("@ConfigMapping\\s*\\(\\s*(?:prefix\\s*=\\s*)?\"([^\"]+)\"");
    /** An abstract accessor of a mapping interface: {@code Type name();}. */
    private static final Pattern ACCESSOR =
            Pattern.compile("(?m)^\\s*(?:@[\\w.]+(?:\\([^)]*\\))?\\s*)*[\\w.<>\\[\\], ?]+\\s+(\\w+)\\s*\\(\\s*\\)\\s*;");
    private static final Pattern WITH_NAME = Pattern.compile("@WithName\\s*\\(\\s*\"([^\"]+)\"");
    private static final Pattern EXPRESSION = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)");

    private ServiceSettings() {
    }

    /** Quarkus' environment-variable form of a property name. */
    static String envForm(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(java.util.Locale.ROOT);
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** Environment variable names the service's own configuration reads (see the class comment). */
    static Set<String> readBy(String service) {
        Set<String> names = new TreeSet<>();
        Properties properties = Repo.applicationProperties(service);
        for (String key : properties.stringPropertyNames()) {
            String property = key.startsWith("%") && key.contains(".") ? key.substring(key.indexOf('.') + 1) : key;
            names.add(envForm(property));
            Matcher expression = EXPRESSION.matcher(properties.getProperty(key));
            while (expression.find()) {
                names.add(expression.group(1));
                names.add(envForm(expression.group(1)));
            }
        }
        for (String property : configMappingProperties(service)) {
            names.add(envForm(property));
        }
        return names;
    }

    /**
     * Property names declared by the service's {@code @ConfigMapping} interfaces: prefix plus each
     * accessor, and prefix plus group plus accessor for nested groups (an over-approximation that
     * keeps the check simple: a name must still match an accessor of the right prefix).
     */
    static Set<String> configMappingProperties(String service) {
        Set<String> properties = new TreeSet<>();
        Path sources = Repo.module(service).resolve("src/main/java");
        if (!Files.isDirectory(sources)) {
            return properties;
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
        } catch (IOException e) {
            throw new AssertionError("cannot list " + sources + ": " + e.getMessage(), e);
        }
        for (Path file : files) {
            String text = Repo.read(file);
            Matcher prefix = CONFIG_MAPPING_PREFIX.matcher(text);
            if (!prefix.find()) {
                continue;
            }
            List<String> segments = new ArrayList<>();
            Matcher accessor = ACCESSOR.matcher(text);
            while (accessor.find()) {
                segments.add(kebab(accessor.group(1)));
            }
            Matcher withName = WITH_NAME.matcher(text);
            while (withName.find()) {
                segments.add(withName.group(1));
            }
            for (String first : segments) {
                properties.add(prefix.group(1) + "." + first);
                for (String second : segments) {
                    properties.add(prefix.group(1) + "." + first + "." + second);
                }
            }
        }
        return properties;
    }

    /**
     * Why {@code variable} set on {@code service} by {@code where} is not a setting the service
     * reads, or {@code null} when it is one.
     */
    static String problemWith(String where, String service, String variable, Set<String> readByService,
            String dockerfile) {
        if (COMMON.contains(variable)) {
            return Repo.usesDatabaseAndKafka(service) || variable.equals("QUARKUS_HTTP_PORT") ? null
                    : where + " sets " + variable + " on " + service + ", which uses no database and no Kafka";
        }
        if (JAVA_OPTS.equals(variable)) {
            return dockerfile.contains("$JAVA_OPTS") ? null
                    : where + " sets JAVA_OPTS on " + service + ", but its Dockerfile.jvm does not pass $JAVA_OPTS to java";
        }
        if (SERVICE_KEY.equals(variable)) {
            return readByService.contains(variable) ? null
                    : where + " sets " + variable + " on " + service + ", but its application.properties does not read it";
        }
        if (TRACING.contains(variable)) {
            boolean traces = Repo.read(Repo.module(service).resolve("pom.xml")).contains("<artifactId>quarkus-opentelemetry</artifactId>");
            return traces && (variable.startsWith("QUARKUS_OTEL_") || readByService.contains(variable)) ? null
                    : where + " sets " + variable + " on " + service + ", which does not trace (no quarkus-opentelemetry,"
                    + " or its application.properties does not read it)";
        }
        if (!SPECIFIC.get(service).contains(variable)) {
            return where + " sets " + variable + " on " + service + ", which is not one of its settings "
                    + new TreeSet<>(SPECIFIC.get(service)) + " nor a common one " + new TreeSet<>(COMMON);
        }
        if (DJL_CACHE_DIR.equals(variable) || GLIBC_TUNABLES.equals(variable) || readByService.contains(variable)) {
            return null;
        }
        return where + " sets " + variable + " on " + service + ", but " + service
                + " does not read it: no key of " + service + "/src/main/resources/application.properties"
                + " nor any @ConfigMapping property of " + service + " maps to " + variable;
    }
}
