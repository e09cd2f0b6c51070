package dev.loraforge.systemtests.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Helm chart, linted and rendered with helm-java (Helm's own Go code, no cluster needed), then
 * read back as Kubernetes objects and checked against the services: ports from their
 * application.properties, settings they read, probes, metrics, replicas and the GPU request.
 */
class HelmChartTest {

    private static final String RELEASE = "lf";
    private static final String PREFIX = RELEASE + "-loraforge-";
    /** Maps a chart component to its values key. */
    private static final Map<String, String> VALUES_KEY = Map.of(
            "job-api", "jobApi", "artifact-store", "artifactStore", "trainer-service", "trainer",
            "quant-service", "quant", "inference-service", "inference");

    private static Path chart;
    private static String appVersion;

    @BeforeAll
    static void locateChart() {
        chart = Repo.root().resolve("helm/loraforge");
        Map<String, Object> chartYaml = ComposeFileTest.map(yaml().load(Repo.read(chart.resolve("Chart.yaml"))), "Chart.yaml");
        appVersion = String.valueOf(chartYaml.get("appVersion"));
    }

    @Test
    void chartLintsWithoutErrorsOrWarnings() {
        LintResult result = new Helm(chart).lint().strict().call();
        assertThat(result.getMessages()).as("lint messages")
                .noneMatch(message -> message.contains("[ERROR]") || message.contains("[WARNING]"));
        assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
    }

    @Test
    void defaultValuesDeployTheFiveServicesOnTheirPortsWithProbesAndMetrics() {
        Rendered rendered = render(Map.of());
        assertThat(rendered.deployments().keySet()).containsExactlyInAnyOrderElementsOf(Repo.SERVICES);
        for (String service : Repo.SERVICES) {
            int port = Repo.httpPort(service);
            Map<String, Object> deployment = rendered.deployments().get(service);
            assertThat(at(deployment, "spec.replicas")).as("%s replicas", service).isEqualTo(1);
            Map<String, Object> container = rendered.container(service);
            assertThat(container.get("image")).as("%s image", service)
                    .isEqualTo("loraforge/" + service + ":" + appVersion);
            assertThat(ComposeFileTest.hasRegistryHost(String.valueOf(container.get("image")))).isFalse();
            Map<String, Object> httpPort = only(list(container.get("ports")));
            assertThat(httpPort).as("%s container port", service).containsEntry("name", "http").containsEntry("containerPort", port);
            assertThat(rendered.env(service).get("QUARKUS_HTTP_PORT")).as("%s QUARKUS_HTTP_PORT", service)
                    .containsEntry("value", String.valueOf(port));

            assertThat(at(container, "livenessProbe.httpGet.path")).isEqualTo("/q/health/live");
            assertThat(at(container, "livenessProbe.httpGet.port")).isEqualTo("http");
            assertThat(at(container, "readinessProbe.httpGet.path")).isEqualTo("/q/health/ready");
            assertThat(at(container, "readinessProbe.httpGet.port")).isEqualTo("http");
            assertThat(at(container, "startupProbe.httpGet.path")).isEqualTo("/q/health/live");

            Map<String, Object> annotations = map(at(deployment, "spec.template.metadata.annotations"));
            assertThat(annotations).as("%s Prometheus annotations", service)
                    .containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/path", "/q/metrics")
                    .containsEntry("prometheus.io/port", String.valueOf(port));

            assertThat(limits(container)).as("%s limits", service).doesNotContainKey("nvidia.com/gpu");
            assertThat(map(at(container, "resources")).get("requests")).as("%s requests", service).isNotNull();
        }
    }

    @Test
    void eachServiceHasAServiceSelectingItsPods() {
        Rendered rendered = render(Map.of());
        for (String service : Repo.SERVICES) {
            Map<String, Object> svc = rendered.find("Service", PREFIX + service);
            Map<String, Object> deployment = rendered.deployments().get(service);
            Map<String, Object> selector = map(at(svc, "spec.selector"));
            assertThat(map(at(deployment, "spec.template.metadata.labels"))).as("%s pod labels", service)
                    .containsAllEntriesOf(selector);
            assertThat(map(at(deployment, "spec.selector.matchLabels"))).isEqualTo(selector);
            // The selector must not also pick another component's pods.
            for (String other : Repo.SERVICES) {
                if (!other.equals(service)) {
                    Map<String, Object> otherLabels = map(at(rendered.deployments().get(other), "spec.template.metadata.labels"));
                    assertThat(otherLabels.entrySet().containsAll(selector.entrySet()))
                            .as("%s pods selected by the %s Service", other, service).isFalse();
                }
            }
            Map<String, Object> port = only(list(at(svc, "spec.ports")));
            assertThat(port).containsEntry("targetPort", "http").containsEntry("port", Repo.httpPort(service));
        }
    }

    @Test
    void servicesGetEverySettingTheyNeedAndOnlySettingsTheyRead() {
        Rendered rendered = render(Map.of());
        List<String> problems = new ArrayList<>();
        for (String service : Repo.SERVICES) {
            Map<String, Map<String, Object>> env = rendered.env(service);
            Set<String> readBy = ServiceSettings.readBy(service);
            String dockerfile = Repo.read(Repo.module(service).resolve("src/main/docker/Dockerfile.jvm"));
            for (String variable : env.keySet()) {
                String problem = ServiceSettings.problemWith("the Helm chart", service, variable, readBy, dockerfile);
                if (problem != null) {
                    problems.add(problem);
                }
            }
            Set<String> missing = new TreeSet<>(ServiceSettings.required(service));
            missing.removeAll(env.keySet());
            if (!missing.isEmpty()) {
                problems.add("the Helm chart does not set " + missing + " on " + service);
            }
        }
        assertThat(problems).isEmpty();

        Map<String, Object> config = map(rendered.find("ConfigMap", PREFIX + "config").get("data"));
        assertThat(config)
                .containsEntry("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
                .containsEntry("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://postgresql:5432/loraforge")
                .containsEntry("QUARKUS_DATASOURCE_USERNAME", "loraforge")
                .containsEntry("ARTIFACT_STORE_URL", "http://" + PREFIX + "artifact-store:" + Repo.httpPort("artifact-store"));
        assertThat(rendered.resolve("trainer-service", "TRAINER_ARTIFACT_STORE_URL")).isEqualTo(config.get("ARTIFACT_STORE_URL"));
        assertThat(rendered.resolve("job-api", "JOBAPI_ARTIFACT_STORE_URL")).isEqualTo(config.get("ARTIFACT_STORE_URL"));
        assertThat(rendered.resolve("quant-service", "KAFKA_BOOTSTRAP_SERVERS")).isEqualTo("kafka:9092");
        assertThat(rendered.resolve("inference-service", "INFERENCE_ARTIFACT_STORE_URL")).isEqualTo(config.get("ARTIFACT_STORE_URL"));
        assertThat(config).containsEntry("INFERENCE_URL",
                "http://" + PREFIX + "inference-service:" + Repo.httpPort("inference-service"));
        assertThat(rendered.resolve("job-api", "JOBAPI_INFERENCE_URL")).isEqualTo(config.get("INFERENCE_URL"));
        assertThat(rendered.env("inference-service")).doesNotContainKeys("QUARKUS_DATASOURCE_PASSWORD", "KAFKA_BOOTSTRAP_SERVERS");
        assertThat(rendered.env("trainer-service").get("TRAINER_WORKER_ID"))
                .as("each trainer replica gets its own worker id").isEqualTo(Map.of("valueFrom",
                        Map.of("fieldRef", Map.of("fieldPath", "metadata.name"))));
    }

    @Test
    void withoutAnAdminKeyOneIsGeneratedOnceAtInstall() throws IOException {
        Rendered rendered = render(Map.of());
        Map<String, Object> ref = map(at(rendered.env("job-api").get("JOBAPI_ADMIN_KEY"), "valueFrom.secretKeyRef"));
        assertThat(ref).containsEntry("name", PREFIX + "admin-key").containsEntry("key", "admin-key");
        // helm-java leaves hooks out of its output: read the hook's template instead.
        String template = Files.readString(chart.resolve("templates/secret.yaml"));
        assertThat(template).contains("helm.sh/hook: pre-install")
                .contains("include \"loraforge.generatedAdminKeySecretName\"")
                .contains("admin-key: {{ randAlphaNum");
        // The database password Secret is an ordinary resource, rendered and resolvable.
        assertThat(rendered.resolve("job-api", "QUARKUS_DATASOURCE_PASSWORD")).isEmpty();
    }

    @Test
    void givenAdminKeyAndPasswordLandInTheChartsSecret() {
        Rendered rendered = render(Map.of("jobApi.adminKey", "k3y-from-values", "postgresql.password", "pw-from-values"));
        assertThat(rendered.resolve("job-api", "JOBAPI_ADMIN_KEY")).isEqualTo("k3y-from-values");
        for (String service : Repo.SERVICES.stream().filter(Repo::usesDatabaseAndKafka).toList()) {
            assertThat(rendered.resolve(service, "QUARKUS_DATASOURCE_PASSWORD")).as(service).isEqualTo("pw-from-values");
        }
    }

    @Test
    void existingSecretsAreReferencedAndNoSecretIsRendered() {
        Rendered rendered = render(Map.of(
                "postgresql.existingSecret", "pg-credentials", "postgresql.existingSecretPasswordKey", "pgpass",
                "jobApi.existingSecret", "api-credentials"));
        assertThat(rendered.ofKind("Secret")).isEmpty();
        for (String service : Repo.SERVICES.stream().filter(Repo::usesDatabaseAndKafka).toList()) {
            assertThat(map(at(rendered.env(service).get("QUARKUS_DATASOURCE_PASSWORD"), "valueFrom.secretKeyRef")))
                    .as(service).isEqualTo(Map.of("name", "pg-credentials", "key", "pgpass"));
        }
        assertThat(map(at(rendered.env("job-api").get("JOBAPI_ADMIN_KEY"), "valueFrom.secretKeyRef")))
                .isEqualTo(Map.of("name", "api-credentials", "key", "admin-key"));
    }

    @Test
    void trainerReplicasAndGpuRequestComeFromValues() {
        Rendered rendered = render(Map.of("trainer.gpu.enabled", true, "trainer.replicas", 3));
        assertThat(at(rendered.deployments().get("trainer-service"), "spec.replicas")).isEqualTo(3);
        Map<String, Object> limits = limits(rendered.container("trainer-service"));
        assertThat(limits).containsEntry("nvidia.com/gpu", 1).containsEntry("memory", "8Gi");
        assertThat(rendered.env("trainer-service").get("TRAINER_DEVICE")).as("a GPU pod trains on its GPU or not at all")
                .isEqualTo(Map.of("value", "cuda"));
        assertThat(render(Map.of()).env("trainer-service").get("TRAINER_DEVICE"))
                .isEqualTo(Map.of("value", "cpu"));
        for (String other : List.of("job-api", "artifact-store", "quant-service", "inference-service")) {
            assertThat(limits(rendered.container(other))).as(other).doesNotContainKey("nvidia.com/gpu");
            assertThat(at(rendered.deployments().get(other), "spec.replicas")).as(other).isEqualTo(1);
        }
    }

    @Test
    void gpuCountResourceNameAndSchedulingHintsFromAValuesFile(@TempDir Path dir) throws IOException {
        Path values = dir.resolve("gpu.yaml");
        Files.writeString(values, String.join("\n",
                "trainer:",
                "  replicas: 2",
                "  gpu:",
                "    enabled: true",
                "    count: 2",
                "    nodeSelector:",
                "      accelerator: a100",
                "    tolerations:",
                "      - key: nvidia.com/gpu",
                "        operator: Exists",
                "        effect: NoSchedule",
                ""), StandardCharsets.UTF_8);
        Rendered rendered = new Rendered(new Helm(chart).template().withName(RELEASE).withValuesFile(values).call());
        Map<String, Object> trainer = rendered.deployments().get("trainer-service");
        assertThat(at(trainer, "spec.replicas")).isEqualTo(2);
        assertThat(limits(rendered.container("trainer-service"))).containsEntry("nvidia.com/gpu", 2);
        assertThat(map(at(trainer, "spec.template.spec.nodeSelector"))).containsEntry("accelerator", "a100");
        assertThat(list(at(trainer, "spec.template.spec.tolerations"))).singleElement()
                .satisfies(t -> assertThat(t).containsEntry("key", "nvidia.com/gpu").containsEntry("operator", "Exists"));
        // Without the GPU the hints stay off: they only serve GPU nodes.
        Map<String, Object> cpuTrainer = render(Map.of("trainer.gpu.nodeSelector.accelerator", "a100"))
                .deployments().get("trainer-service");
        assertThat(at(cpuTrainer, "spec.template.spec.nodeSelector")).isNull();
    }

    @Test
    void blobsLiveOnAKeptPersistentVolumeClaimOrAnEmptyDir() {
        Rendered rendered = render(Map.of());
        Map<String, Object> claim = rendered.find("PersistentVolumeClaim", PREFIX + "artifact-store-blobs");
        assertThat(map(at(claim, "metadata.annotations"))).containsEntry("helm.sh/resource-policy", "keep");
        Map<String, Object> store = rendered.deployments().get("artifact-store");
        assertThat(at(store, "spec.strategy.type")).as("RWO volume: no two pods at once").isEqualTo("Recreate");
        Map<String, Object> blobs = rendered.volumeFor("artifact-store", rendered.resolve("artifact-store", "ARTIFACTS_STORAGE_DIR"));
        assertThat(at(blobs, "persistentVolumeClaim.claimName")).isEqualTo(PREFIX + "artifact-store-blobs");
        Map<String, String> workDirs = Map.of("trainer-service", "TRAINER_WORK_DIR", "quant-service", "QUANT_WORK_DIR",
                "inference-service", "INFERENCE_WORK_DIR");
        for (String service : workDirs.keySet()) {
            String workDir = rendered.resolve(service, workDirs.get(service));
            assertThat(rendered.volumeFor(service, workDir)).as("%s work dir", service).containsKey("emptyDir");
            assertThat(rendered.volumeFor(service, rendered.resolve(service, "DJL_CACHE_DIR"))).as("%s DJL cache", service)
                    .containsKey("emptyDir");
        }

        Rendered ephemeral = render(Map.of("artifactStore.storage.persistence.enabled", false));
        assertThat(ephemeral.ofKind("PersistentVolumeClaim")).isEmpty();
        assertThat(ephemeral.volumeFor("artifact-store", ephemeral.resolve("artifact-store", "ARTIFACTS_STORAGE_DIR")))
                .containsKey("emptyDir");
    }

    @Test
    void imageRepositoryAndTagCanBeSetPerService() {
        Rendered rendered = render(Map.of("image.repositoryPrefix", "registry.example:5000/lf", "trainer.image.tag", "cuda",
                "quant.image.repository", "mirror.example/quant"));
        assertThat(rendered.container("trainer-service").get("image")).isEqualTo("registry.example:5000/lf/trainer-service:cuda");
        assertThat(rendered.container("job-api").get("image")).isEqualTo("registry.example:5000/lf/job-api:" + appVersion);
        assertThat(rendered.container("quant-service").get("image")).isEqualTo("mirror.example/quant:" + appVersion);
    }

    @Test
    void aHookJobCreatesTheTopicsBeforeTheServicesStartWithJobApisImage(@TempDir Path temp) throws Exception {
        // helm-java's template leaves hooks out of its output (as `helm template` does not): the hook annotations are
        // read from the template, then a copy of the chart without them renders the Job as a plain object
        String template = Files.readString(chart.resolve("templates/topics-job.yaml"));
        assertThat(template).as("before the services, on install and on every upgrade")
                .contains("\"helm.sh/hook\": pre-install,pre-upgrade")
                .contains("\"helm.sh/hook-delete-policy\": before-hook-creation");
        Path copy = temp.resolve("loraforge");
        try (var files = Files.walk(chart)) {
            for (Path from : files.toList()) {
                Path to = copy.resolve(chart.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to);
                }
            }
        }
        Files.writeString(copy.resolve("templates/topics-job.yaml"), template.lines()
                .filter(line -> !line.contains("\"helm.sh/hook")).collect(Collectors.joining("\n")) + "\n");
        Rendered rendered = new Rendered(new Helm(copy).template().withName(RELEASE).withNamespace("loraforge")
                .set("kafka.bootstrapServers", "broker-0.kafka:9092,broker-1.kafka:9092").set("topics.replicationFactor", 3)
                .call());
        Map<String, Object> job = rendered.find("Job", PREFIX + "topics");
        Map<String, Object> container = only(list(at(job, "spec.template.spec.containers")));
        assertThat(container.get("image")).isEqualTo(rendered.container("job-api").get("image"));
        @SuppressWarnings("unchecked")
        List<String> command = (List<String>) container.get("command");
        @SuppressWarnings("unchecked")
        List<String> args = (List<String>) container.get("args");
        String main = command.get(command.size() - 1);
        assertThat(main).isEqualTo("dev.loraforge.events.TopicProvisioner");
        Class.forName(main).getMethod("main", String[].class);
        assertThat(command.get(command.indexOf("-cp") + 1)).isEqualTo("/deployments/lib/boot/*:/deployments/lib/main/*");
        assertThat(args.get(args.indexOf("--bootstrap-servers") + 1)).isEqualTo("broker-0.kafka:9092,broker-1.kafka:9092");
        assertThat(args.get(args.indexOf("--replication-factor") + 1)).isEqualTo("3");
        assertThat(container.get("env")).as("a pre-install hook runs before the release's ConfigMap exists").isNull();
        assertThat(at(job, "spec.template.spec.restartPolicy")).isEqualTo("OnFailure");
        assertThat(at(job, "spec.template.spec.securityContext.runAsNonRoot")).isEqualTo(true);

        assertThat(new Rendered(new Helm(copy).template().withName(RELEASE).set("topics.create", false).call()).ofKind("Job"))
                .as("topics provisioned otherwise").isEmpty();
    }

    @Test
    void invalidValuesFailWithAMessageNamingTheValue() {
        assertThatThrownBy(() -> render(Map.of("kafka.bootstrapServers", "kafka")))
                .hasMessageContaining("kafka.bootstrapServers").hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> render(Map.of("postgresql.jdbcUrl", "postgres://db/loraforge")))
                .hasMessageContaining("postgresql.jdbcUrl");
        assertThatThrownBy(() -> render(Map.of("trainer.replicas", -1)))
                .hasMessageContaining("trainer.replicas");
        assertThatThrownBy(() -> render(Map.of("trainer.gpu.count", 0)))
                .hasMessageContaining("trainer.gpu.count");
        assertThatThrownBy(() -> render(Map.of("artifactStore.replicas", 2)))
                .hasMessageContaining("artifactStore.replicas").hasMessageContaining("ReadWriteMany");
    }

    // --- rendering and reading back --------------------------------------------------------------

    private static Rendered render(Map<String, Object> values) {
        TemplateCommand command = new Helm(chart).template().withName(RELEASE).withNamespace("loraforge");
        values.forEach(command::set);
        return new Rendered(command.call());
    }

    /** The objects of one rendering. */
    private static final class Rendered {
        private final List<Map<String, Object>> objects = new ArrayList<>();

        Rendered(String manifests) {
            for (Object document : yaml().loadAll(manifests)) {
                if (document != null) {
                    objects.add(map(document));
                }
            }
        }

        List<Map<String, Object>> ofKind(String kind) {
            return objects.stream().filter(o -> kind.equals(o.get("kind"))).collect(Collectors.toList());
        }

        Map<String, Object> find(String kind, String name) {
            return ofKind(kind).stream().filter(o -> name.equals(at(o, "metadata.name"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " rendered; rendered: "
                            + objects.stream().map(o -> o.get("kind") + "/" + at(o, "metadata.name")).toList()));
        }

        /** Deployments by their app.kubernetes.io/component label. */
        Map<String, Map<String, Object>> deployments() {
            Map<String, Map<String, Object>> result = new LinkedHashMap<>();
            for (Map<String, Object> deployment : ofKind("Deployment")) {
                result.put(String.valueOf(at(deployment, "metadata.labels.app.kubernetes.io/component")), deployment);
            }
            return result;
        }

        Map<String, Object> container(String service) {
            Map<String, Object> deployment = deployments().get(service);
            assertThat(deployment).as("Deployment of %s", service).isNotNull();
            List<Map<String, Object>> containers = list(at(deployment, "spec.template.spec.containers"));
            return containers.stream().filter(c -> service.equals(c.get("name"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no container named " + service));
        }

        /** Env entries of a service's container by name. */
        Map<String, Map<String, Object>> env(String service) {
            Map<String, Map<String, Object>> env = new LinkedHashMap<>();
            for (Map<String, Object> entry : list(container(service).get("env"))) {
                Map<String, Object> rest = new LinkedHashMap<>(entry);
                String name = String.valueOf(rest.remove("name"));
                assertThat(env).as("%s sets %s twice", service, name).doesNotContainKey(name);
                env.put(name, rest);
            }
            return env;
        }

        /** The value a variable takes, following ConfigMap and Secret references into this rendering. */
        String resolve(String service, String variable) {
            Map<String, Object> entry = env(service).get(variable);
            assertThat(entry).as("%s env %s", service, variable).isNotNull();
            if (entry.containsKey("value")) {
                return String.valueOf(entry.get("value"));
            }
            Object configRef = at(entry, "valueFrom.configMapKeyRef");
            if (configRef != null) {
                Map<String, Object> ref = map(configRef);
                Map<String, Object> data = map(find("ConfigMap", String.valueOf(ref.get("name"))).get("data"));
                assertThat(data).as("ConfigMap %s", ref.get("name")).containsKey(String.valueOf(ref.get("key")));
                return String.valueOf(data.get(String.valueOf(ref.get("key"))));
            }
            Map<String, Object> ref = map(at(entry, "valueFrom.secretKeyRef"));
            Map<String, Object> data = map(find("Secret", String.valueOf(ref.get("name"))).get("data"));
            assertThat(data).as("Secret %s", ref.get("name")).containsKey(String.valueOf(ref.get("key")));
            return new String(Base64.getDecoder().decode(String.valueOf(data.get(String.valueOf(ref.get("key"))))),
                    StandardCharsets.UTF_8);
        }

        /** The pod volume mounted at {@code path} in the service's container. */
        Map<String, Object> volumeFor(String service, String path) {
            Map<String, Object> mount = list(container(service).get("volumeMounts")).stream()
                    .filter(m -> path.equals(m.get("mountPath"))).findFirst()
                    .orElseThrow(() -> new AssertionError(service + " mounts nothing at " + path));
            return list(at(deployments().get(service), "spec.template.spec.volumes")).stream()
                    .filter(v -> mount.get("name").equals(v.get("name"))).findFirst()
                    .orElseThrow(() -> new AssertionError(service + " has no volume " + mount.get("name")));
        }
    }

    private static Map<String, Object> limits(Map<String, Object> container) {
        Object limits = at(container, "resources.limits");
        return limits == null ? Map.of() : map(limits);
    }

    /**
     * Walks a dotted path; a segment may itself contain dots when it names a label or annotation
     * key (the longest key present wins).
     */
    static Object at(Object root, String path) {
        Object current = root;
        String rest = path;
        while (!rest.isEmpty()) {
            if (!(current instanceof Map<?, ?> node)) {
                return null;
            }
            String key = null;
            for (Object candidate : node.keySet()) {
                String k = String.valueOf(candidate);
                if ((rest.equals(k) || rest.startsWith(k + ".")) && (key == null || k.length() > key.length())) {
                    key = k;
                }
            }
            if (key == null) {
                return null;
            }
            current = node.get(key);
            rest = rest.length() == key.length() ? "" : rest.substring(key.length() + 1);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object value) {
        assertThat(value).isInstanceOf(List.class);
        return (List<Map<String, Object>>) value;
    }

    private static Map<String, Object> only(List<Map<String, Object>> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    private static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }
}
