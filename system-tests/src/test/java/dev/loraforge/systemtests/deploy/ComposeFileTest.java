package dev.loraforge.systemtests.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Static checks of {@code docker-compose.yml} against the services it runs (no Docker here): every
 * service is there, built from a Dockerfile that exists, on the port its application.properties
 * sets, with only settings the service reads, healthchecks on readiness, and start order on health.
 */
class ComposeFileTest {

    private static Map<String, Object> compose;
    private static Map<String, Object> services;

    @BeforeAll
    static void parse() {
        Path file = Repo.root().resolve("docker-compose.yml");
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        compose = map(yaml.load(Repo.read(file)), "docker-compose.yml");
        services = map(compose.get("services"), "services");
    }

    @Test
    void runsKafkaPostgresAndTheFiveServices() {
        Set<String> expected = new TreeSet<>(Repo.SERVICES);
        expected.add("kafka");
        expected.add("postgres");
        expected.add("topics");
        assertThat(services.keySet()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void eachServiceIsBuiltFromItsModulesDockerfile() {
        for (String service : Repo.SERVICES) {
            Map<String, Object> build = map(service(service).get("build"), service + ".build");
            Path context = Repo.root().resolve(String.valueOf(build.get("context"))).normalize();
            assertThat(context).as("%s build context", service).isEqualTo(Repo.module(service));
            Path dockerfile = context.resolve(String.valueOf(build.get("dockerfile")));
            assertThat(dockerfile).as("%s dockerfile", service)
                    .isEqualTo(Repo.module(service).resolve("src/main/docker/Dockerfile.jvm"))
                    .isRegularFile();
            String image = String.valueOf(service(service).get("image"));
            assertThat(image).as("%s image", service).startsWith("loraforge/" + service + ":");
            assertThat(hasRegistryHost(image)).as("image %s must not name a registry host", image).isFalse();
        }
    }

    @Test
    void dockerfilesRunTheFastJarAsAnUnprivilegedUserOnTheServicePort() {
        for (String service : Repo.SERVICES) {
            String dockerfile = Repo.read(Repo.module(service).resolve("src/main/docker/Dockerfile.jvm"));
            assertThat(instructions(dockerfile, "FROM")).as("%s base image", service)
                    .containsExactly("eclipse-temurin:17-jre");
            List<String> copies = instructions(dockerfile, "COPY");
            for (String part : List.of("target/quarkus-app/lib/", "target/quarkus-app/*.jar",
                    "target/quarkus-app/app/", "target/quarkus-app/quarkus/")) {
                assertThat(copies).as("%s copies %s", service, part).anyMatch(copy -> copy.contains(part));
            }
            List<String> users = instructions(dockerfile, "USER");
            assertThat(users).as("%s USER", service).isNotEmpty();
            String user = users.get(users.size() - 1).split(":")[0];
            assertThat(user).as("%s runs as", service).isNotIn("root", "0");
            assertThat(instructions(dockerfile, "EXPOSE")).as("%s EXPOSE", service)
                    .containsExactly(String.valueOf(Repo.httpPort(service)));
            assertThat(String.join("\n", instructions(dockerfile, "CMD")) + String.join("\n", instructions(dockerfile, "ENTRYPOINT")))
                    .as("%s start command", service).contains("quarkus-run.jar");
        }
    }

    @Test
    void portsAndHealthchecksMatchEachServicesHttpPort() {
        for (String service : Repo.SERVICES) {
            int port = Repo.httpPort(service);
            Map<String, Object> definition = service(service);
            assertThat(containerPorts(definition)).as("%s published container ports", service).containsExactly(port);
            assertThat(environment(service).get("QUARKUS_HTTP_PORT")).as("%s QUARKUS_HTTP_PORT", service)
                    .isEqualTo(String.valueOf(port));
            String healthcheck = healthcheck(service);
            assertThat(healthcheck).as("%s healthcheck", service)
                    .contains("http://localhost:" + port + "/q/health/ready");
        }
    }

    @Test
    void servicesOnlySetSettingsTheyReadAndAllTheyNeed() {
        List<String> problems = new ArrayList<>();
        for (String service : Repo.SERVICES) {
            Map<String, String> env = environment(service);
            Set<String> readBy = ServiceSettings.readBy(service);
            String dockerfile = Repo.read(Repo.module(service).resolve("src/main/docker/Dockerfile.jvm"));
            for (String variable : env.keySet()) {
                String problem = ServiceSettings.problemWith("docker-compose.yml", service, variable, readBy, dockerfile);
                if (problem != null) {
                    problems.add(problem);
                }
            }
            for (String variable : ServiceSettings.required(service)) {
                if (!env.containsKey(variable)) {
                    problems.add("docker-compose.yml does not set " + variable + " on " + service);
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void kafkaRunsInKraftModeAndServicesUseItsComposeNetworkListener() {
        Map<String, Object> kafka = service("kafka");
        assertThat(kafka.get("image")).isEqualTo("apache/kafka:4.1.2");
        Map<String, String> env = environment("kafka");
        assertThat(env.get("KAFKA_PROCESS_ROLES").split(",")).containsExactlyInAnyOrder("broker", "controller");
        String nodeId = env.get("KAFKA_NODE_ID");
        Map<String, String> listeners = listenerPorts(env.get("KAFKA_LISTENERS"));
        String controller = env.get("KAFKA_CONTROLLER_LISTENER_NAMES");
        assertThat(listeners).containsKey(controller);
        assertThat(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"))
                .isEqualTo(nodeId + "@kafka:" + listeners.get(controller));
        assertThat(env.get("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR")).isEqualTo("1");
        assertThat(env.get("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR")).isEqualTo("1");
        assertThat(healthcheck("kafka")).isNotBlank();

        // Each advertised listener must be one the broker binds; the services use the one whose
        // host is the compose service name.
        Map<String, String> advertised = new LinkedHashMap<>();
        for (String listener : env.get("KAFKA_ADVERTISED_LISTENERS").split(",")) {
            String[] nameAndAddress = listener.split("://");
            advertised.put(nameAndAddress[0], nameAndAddress[1]);
            String advertisedPort = nameAndAddress[1].substring(nameAndAddress[1].lastIndexOf(':') + 1);
            assertThat(listeners.get(nameAndAddress[0])).as("listener %s port", nameAndAddress[0]).isEqualTo(advertisedPort);
        }
        assertThat(env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")).contains(advertised.keySet().toArray(new String[0]));
        String internal = advertised.get(env.get("KAFKA_INTER_BROKER_LISTENER_NAME"));
        assertThat(internal).startsWith("kafka:");
        for (String service : Repo.SERVICES.stream().filter(Repo::usesDatabaseAndKafka).toList()) {
            assertThat(environment(service).get("KAFKA_BOOTSTRAP_SERVERS")).as("%s KAFKA_BOOTSTRAP_SERVERS", service)
                    .isEqualTo(internal);
        }
    }

    @Test
    void everyServiceUsesTheOnePostgresDatabase() {
        assertThat(service("postgres").get("image")).isEqualTo("postgres:16");
        Map<String, String> postgres = environment("postgres");
        assertThat(postgres.get("POSTGRES_DB")).isEqualTo("loraforge");
        String url = "jdbc:postgresql://postgres:5432/" + postgres.get("POSTGRES_DB");
        for (String service : Repo.SERVICES.stream().filter(Repo::usesDatabaseAndKafka).toList()) {
            Map<String, String> env = environment(service);
            assertThat(env.get("QUARKUS_DATASOURCE_JDBC_URL")).as("%s JDBC URL", service).isEqualTo(url);
            assertThat(env.get("QUARKUS_DATASOURCE_USERNAME")).as("%s user", service).isEqualTo(postgres.get("POSTGRES_USER"));
            assertThat(env.get("QUARKUS_DATASOURCE_PASSWORD")).as("%s password", service)
                    .isEqualTo(postgres.get("POSTGRES_PASSWORD"));
        }
        assertThat(healthcheck("postgres")).contains("pg_isready");
    }

    @Test
    void artifactStoreUrlsPointAtTheArtifactStoreService() {
        String url = "http://artifact-store:" + Repo.httpPort("artifact-store");
        assertThat(environment("job-api").get("JOBAPI_ARTIFACT_STORE_URL")).isEqualTo(url);
        assertThat(environment("trainer-service").get("TRAINER_ARTIFACT_STORE_URL")).isEqualTo(url);
        assertThat(environment("quant-service").get("QUANT_ARTIFACT_STORE_URL")).isEqualTo(url);
        assertThat(environment("inference-service").get("INFERENCE_ARTIFACT_STORE_URL")).isEqualTo(url);
    }

    @Test
    void jobApiReachesInferenceServiceWhichNeedsNoDatabaseNorKafka() {
        assertThat(environment("job-api").get("JOBAPI_INFERENCE_URL"))
                .isEqualTo("http://inference-service:" + Repo.httpPort("inference-service"));
        Map<String, String> env = environment("inference-service");
        assertThat(env).doesNotContainKeys("QUARKUS_DATASOURCE_JDBC_URL", "KAFKA_BOOTSTRAP_SERVERS");
        assertThat(map(service("inference-service").get("depends_on"), "depends_on"))
                .containsOnlyKeys("artifact-store");
    }

    @Test
    void blobWorkAndNativeCacheDirectoriesAreOnNamedVolumes() {
        Map<String, List<String>> dirs = Map.of(
                "artifact-store", List.of("ARTIFACTS_STORAGE_DIR"),
                "trainer-service", List.of("TRAINER_WORK_DIR", "DJL_CACHE_DIR"),
                "quant-service", List.of("QUANT_WORK_DIR", "DJL_CACHE_DIR"),
                "inference-service", List.of("INFERENCE_WORK_DIR", "DJL_CACHE_DIR"));
        Set<String> declared = map(compose.get("volumes"), "volumes").keySet();
        dirs.forEach((service, variables) -> {
            Map<String, String> mounts = volumeMounts(service);
            for (String variable : variables) {
                String dir = environment(service).get(variable);
                assertThat(mounts).as("%s: %s=%s must be a volume mount", service, variable, dir).containsKey(dir);
                assertThat(declared).as("volume %s of %s", mounts.get(dir), service).contains(mounts.get(dir));
            }
        });
    }

    @Test
    void servicesStartOnlyAfterKafkaAndPostgresAreHealthy() {
        for (String service : Repo.SERVICES) {
            Map<String, Object> dependsOn = map(service(service).get("depends_on"), service + ".depends_on");
            if (Repo.usesDatabaseAndKafka(service)) {
                assertThat(dependsOn).as("%s depends_on", service).containsKeys("kafka", "postgres", "topics");
            }
            dependsOn.forEach((dependency, condition) -> {
                if (dependency.equals("topics")) { // a one-shot step: its success, not its health
                    assertThat(map(condition, service + ".depends_on.topics").get("condition"))
                            .as("%s waits for the topics step", service).isEqualTo("service_completed_successfully");
                    return;
                }
                assertThat(map(condition, service + ".depends_on." + dependency).get("condition"))
                        .as("%s waits for %s", service, dependency).isEqualTo("service_healthy");
                assertThat(healthcheck(dependency)).as("%s has a healthcheck (service_healthy needs one)", dependency)
                        .isNotBlank();
            });
        }
    }

    @Test
    void theTopicsStepRunsTheProvisionerFromJobApisImageOnceKafkaIsHealthy() throws Exception {
        Map<String, Object> topics = service("topics");
        assertThat(topics.get("image")).isEqualTo(service("job-api").get("image"));
        assertThat(topics.get("restart")).isEqualTo("no");
        assertThat(map(map(topics.get("depends_on"), "topics.depends_on").get("kafka"), "kafka").get("condition"))
                .isEqualTo("service_healthy");
        @SuppressWarnings("unchecked")
        List<String> command = (List<String>) topics.get("command");
        String main = "dev.loraforge.events.TopicProvisioner";
        assertThat(command).contains(main);
        Class.forName(main).getMethod("main", String[].class); // the class the image runs exists and has a main
        assertThat(command.get(command.indexOf("--bootstrap-servers") + 1)).isEqualTo(environment("job-api").get("KAFKA_BOOTSTRAP_SERVERS"));
        String classpath = command.get(command.indexOf("-cp") + 1);
        assertThat(classpath).as("the fast-jar's libraries, where the Dockerfile copies them")
                .isEqualTo("/deployments/lib/boot/*:/deployments/lib/main/*");
        assertThat(Repo.read(Repo.root().resolve("job-api/src/main/docker/Dockerfile.jvm")))
                .contains("target/quarkus-app/lib/ /deployments/lib/");
    }

    // --- reading the compose model ---------------------------------------------------------------

    private static Map<String, Object> service(String name) {
        assertThat(services).as("services").containsKey(name);
        return map(services.get(name), "services." + name);
    }

    /** The environment of a service, whichever of the two compose forms (map or list) it uses. */
    private static Map<String, String> environment(String name) {
        Object env = service(name).get("environment");
        Map<String, String> result = new LinkedHashMap<>();
        if (env instanceof Map<?, ?> envMap) {
            envMap.forEach((k, v) -> result.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
        } else if (env instanceof List<?> envList) {
            for (Object entry : envList) {
                String text = String.valueOf(entry);
                int eq = text.indexOf('=');
                result.put(eq < 0 ? text : text.substring(0, eq), eq < 0 ? null : text.substring(eq + 1));
            }
        }
        return result;
    }

    private static String healthcheck(String name) {
        Object healthcheck = service(name).get("healthcheck");
        if (healthcheck == null) {
            return "";
        }
        Object test = map(healthcheck, name + ".healthcheck").get("test");
        return test instanceof List<?> parts ? String.join(" ", parts.stream().map(String::valueOf).toList())
                : String.valueOf(test);
    }

    private static List<Integer> containerPorts(Map<String, Object> definition) {
        List<Integer> ports = new ArrayList<>();
        Object list = definition.get("ports");
        if (list instanceof List<?> entries) {
            for (Object entry : entries) {
                if (entry instanceof Map<?, ?> longForm) {
                    ports.add(Integer.parseInt(String.valueOf(longForm.get("target"))));
                } else {
                    String text = String.valueOf(entry).replaceAll("/(tcp|udp)$", "");
                    ports.add(Integer.parseInt(text.substring(text.lastIndexOf(':') + 1)));
                }
            }
        }
        return ports;
    }

    /** Mount target to volume name, for the named volumes of a service. */
    private static Map<String, String> volumeMounts(String name) {
        Map<String, String> mounts = new LinkedHashMap<>();
        Object list = service(name).get("volumes");
        if (list instanceof List<?> entries) {
            for (Object entry : entries) {
                if (entry instanceof Map<?, ?> longForm) {
                    mounts.put(String.valueOf(longForm.get("target")), String.valueOf(longForm.get("source")));
                } else {
                    String[] parts = String.valueOf(entry).split(":");
                    if (parts.length >= 2) {
                        mounts.put(parts[1], parts[0]);
                    }
                }
            }
        }
        return mounts;
    }

    private static Map<String, String> listenerPorts(String listeners) {
        Map<String, String> ports = new LinkedHashMap<>();
        for (String listener : listeners.split(",")) {
            String[] nameAndAddress = listener.split("://");
            ports.put(nameAndAddress[0], nameAndAddress[1].substring(nameAndAddress[1].lastIndexOf(':') + 1));
        }
        return ports;
    }

    /** Arguments of every {@code INSTRUCTION} line of a Dockerfile (continuation lines joined). */
    static List<String> instructions(String dockerfile, String instruction) {
        List<String> result = new ArrayList<>();
        String joined = dockerfile.replaceAll("\\\\\\r?\\n", " ");
        Matcher matcher = Pattern.compile("(?mi)^\\s*" + instruction + "\\s+(.+)$").matcher(joined);
        while (matcher.find()) {
            result.add(matcher.group(1).trim());
        }
        return result;
    }

    /** True when the first path segment of an image name is a registry host (has a dot, a port or is localhost). */
    static boolean hasRegistryHost(String image) {
        int slash = image.indexOf('/');
        if (slash < 0) {
            return false;
        }
        String first = image.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String what) {
        assertThat(value).as("%s must be a mapping", what).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }
}
