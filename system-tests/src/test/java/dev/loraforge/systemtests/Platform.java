package dev.loraforge.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loraforge.contracts.auth.ServiceTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The whole platform for a system test: one real Kafka broker in a process of its own (killable with SIGKILL and
 * restartable on the same ports and data), a fresh PostgreSQL database reached through a {@link DatabaseLink} (so a test can take it away from every
 * service, as a server restart does), and artifact-store, quant-service, inference-service, job-api
 * and {@code trainers} trainer-service processes started from their packaged fast-jars.
 */
final class Platform implements AutoCloseable {

    final Path root;
    final Path work;
    final String adminKey = "it-admin-" + UUID.randomUUID();
    /** The platform's service key: the services' tokens for each other are signed with it. */
    final String serviceKey = "it-service-" + UUID.randomUUID();
    final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    private final TestDatabase db;
    private final DatabaseLink dbLink;
    final KafkaProcess kafka;

    private Platform(Path root, TestDatabase db) throws java.io.IOException {
        this.root = root;
        this.dbLink = DatabaseLink.to(db.server());
        this.work = root.resolve("system-tests/target/it-work-" + db.name);
        this.db = db;
        this.kafka = KafkaProcess.startOnFreePorts(work.resolve("kafka"), root.resolve("system-tests/target/it-logs"));
    }

    static Platform start(int trainers) throws Exception {
        return start(trainers, TestDatabase.create());
    }

    /** The platform on a database of the caller's choice. */
    static Platform start(int trainers, TestDatabase database) throws Exception {
        Path root = Path.of(System.getProperty("loraforge.root", "..")).toAbsolutePath().normalize();
        Platform p = new Platform(root, database);
        try {
            p.startServices(trainers);
        } catch (Exception | AssertionError e) {
            p.close();
            throw e;
        }
        return p;
    }

    /**
     * The deployment's topics step, as {@code bin/platform}, compose and the Helm chart run it: event-contracts'
     * {@code TopicProvisioner} in a process of its own, before any service starts (the services, in their production
     * profile, do not create topics).
     */
    private void createTopics(Path logs) {
        try {
            java.nio.file.Files.createDirectories(logs);
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), "dev.loraforge.events.TopicProvisioner",
                    "--bootstrap-servers", kafka.bootstrapServers(), "--wait", "60")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("topics.log").toFile()))
                    .start();
            if (!p.waitFor(90, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("the topics step failed; see " + logs.resolve("topics.log"));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void startServices(int trainers) {
        Path logs = root.resolve("system-tests/target/it-logs");
        createTopics(logs);
        Map<String, String> env = Map.of(
                "JOBAPI_ADMIN_KEY", adminKey,
                "LORAFORGE_SERVICE_KEY", serviceKey,
                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "QUARKUS_DATASOURCE_JDBC_URL", db.jdbcUrl(dbLink.address()),
                "QUARKUS_DATASOURCE_USERNAME", db.user(),
                "DJL_CACHE_DIR", root.resolve("system-tests/target/djl-cache").toString());
        List<String> common = List.of(
                "-Dartifacts.storage-dir=" + work.resolve("blobs"),
                "-Dartifacts.base-model-roots=" + work.resolve("models"),
                "-Dquant.work-dir=" + work.resolve("quant"),
                "-Dquant.artifact-store-url=ARTIFACTS",
                "-Djobapi.artifact-store-url=ARTIFACTS",
                "-Djobapi.lease-timeout=12s",
                "-Djobapi.lease-check-interval=1s",
                "-Djobapi.metrics-interval=1s",
                "-Djobapi.webhooks.allow-private-urls=true");
        ServiceProcess store = ServiceProcess.start(root, "artifact-store", env, common, logs);
        services.put("artifact-store", store);
        awaitReady(store);
        List<String> args = common.stream().map(a -> a.replace("ARTIFACTS", store.url())).toList();
        services.put("quant-service", ServiceProcess.start(root, "quant-service", env, args, logs));
        for (int i = 1; i <= trainers; i++) {
            List<String> trainer = new ArrayList<>(args);
            trainer.add("-Dtrainer.worker-id=trainer-" + i);
            trainer.add("-Dtrainer.threads=1");
            trainer.add("-Dtrainer.work-dir=" + work.resolve("trainer-" + i));
            trainer.add("-Dtrainer.artifact-store-url=" + store.url());
            trainer.add("-Dtrainer.heartbeat-interval=2s");
            services.put("trainer-" + i, ServiceProcess.start(root, "trainer-service", "trainer-" + i, env, trainer, logs));
        }
        List<String> inference = new ArrayList<>(args);
        inference.add("-Dinference.artifact-store-url=" + store.url());
        inference.add("-Dinference.work-dir=" + work.resolve("inference"));
        inference.add("-Dinference.threads=1");
        ServiceProcess inferenceService = ServiceProcess.start(root, "inference-service", env, inference, logs);
        services.put("inference-service", inferenceService);
        List<String> jobApi = new ArrayList<>(args);
        jobApi.add("-Djobapi.inference-url=" + inferenceService.url());
        services.put("job-api", ServiceProcess.start(root, "job-api", env, jobApi, logs));
        services.values().forEach(Platform::awaitReady);
    }

    static void awaitReady(ServiceProcess s) {
        try {
            await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500))
                    .until(() -> !s.alive() || s.status("/q/health/ready") == 200);
        } catch (RuntimeException e) {
            throw new AssertionError(s.name + " did not become ready; log tail:\n" + s.logTail(40), e);
        }
        assertThat(s.alive()).as(s.name + " exited; log tail:\n" + s.logTail(40)).isTrue();
    }

    ServiceProcess service(String name) {
        return services.get(name);
    }

    ApiClient admin() {
        return new ApiClient(service("job-api").url(), adminKey);
    }

    ApiClient store() {
        return new ApiClient(service("artifact-store").url(), operatorToken("artifact-store"));
    }

    /** An operator's service token for an internal service, valid for an hour (as {@code bin/platform token}). */
    String operatorToken(String audience) {
        return ServiceTokens.issue(serviceKey.getBytes(StandardCharsets.UTF_8), "operator", audience, Instant.now(),
                Duration.ofHours(1));
    }

    /** A new tenant with its own API key, as the operator creates it. */
    ApiClient tenant(String name, int maxRunning) {
        String id = admin().post("/admin/v1/tenants", "{\"name\":\"" + name + "\",\"max_running_jobs\":" + maxRunning + "}")
                .path("id").asText();
        String key = admin().post("/admin/v1/tenants/" + id + "/api_keys", "{}").path("key").asText();
        return new ApiClient(service("job-api").url(), key);
    }

    /** Kills a service outright (SIGKILL), leaves it down for {@code down}, then starts it again and waits for ready. */
    void crash(String name, Duration down) throws InterruptedException {
        ServiceProcess s = services.get(name);
        s.kill();
        Thread.sleep(down.toMillis());
        restart(name);
    }

    /** Starts a service that has ended again (same settings and port) and waits until it is ready. */
    void restart(String name) {
        ServiceProcess s = services.get(name);
        if (s.alive()) {
            s.kill();
        }
        ServiceProcess again = s.startAgain();
        services.put(name, again);
        awaitReady(again);
    }

    /**
     * PostgreSQL gone for every service, as while the server restarts: every connection cut mid-statement, new ones
     * refused until {@link #databaseBack()}, which brings it back with the same data.
     */
    void databaseDown() {
        dbLink.goDown();
    }

    void databaseBack() {
        dbLink.comeBack();
    }

    /** The metric names a service exports at /q/metrics (Prometheus text format). */
    java.util.Set<String> metricNames(ServiceProcess service) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(service.url() + "/q/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(service.name + " /q/metrics").isEqualTo(200);
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (String line : r.body().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    /** The broker killed (SIGKILL). */
    void killKafka() {
        kafka.kill();
    }

    /** The broker again, on the same ports with the same data, as after a restart. */
    void startKafka() {
        kafka.start();
    }

    @Override
    public void close() throws Exception {
        services.values().forEach(ServiceProcess::close);
        kafka.close();
        dbLink.close();
        db.close();
    }
}
