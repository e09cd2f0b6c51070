package dev.loraforge.systemtests.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/platform} without the real services: the commands that need nothing running are run
 * on the repository's script; start, status and stop are run on a copy of the script placed in a
 * scratch repository whose "services" and "broker" are small Java programs that answer the same
 * health endpoint and print the same ready line, so process handling is tested for real (pids,
 * readiness wait, SIGTERM then SIGKILL, failure reporting, build decision). PostgreSQL is the real
 * server at 127.0.0.1:5432 (the launcher checks it and creates the database).
 */
class PlatformLauncherTest {

    private static final String DATABASE = "loraforge_launcher_test";
    private static final String DB_URL = "jdbc:postgresql://127.0.0.1:5432/" + DATABASE;
    private static final List<String> COMPONENTS =
            List.of("kafka", "artifact-store", "quant-service", "trainer-service", "inference-service", "job-api");

    @TempDir
    static Path fakeRepo;

    @TempDir
    Path home;

    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<Process> strays = new ArrayList<>();

    @BeforeAll
    static void buildFakeRepository() throws Exception {
        Path script = fakeRepo.resolve("bin/platform");
        Files.createDirectories(script.getParent());
        Files.copy(Repo.root().resolve("bin/platform"), script);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path pom = Files.writeString(fakeRepo.resolve("pom.xml"), "<project/>\n");

        Path classes = Files.createDirectories(fakeRepo.resolve("fake-classes"));
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertThat(compiler).as("these tests compile small fake services: run them on a JDK, not a JRE").isNotNull();
        Path sources = Files.createDirectories(fakeRepo.resolve("fake-src/dev/loraforge/kafka"));
        Files.writeString(sources.resolve("LocalKafka.java"), FAKE_KAFKA);
        Files.writeString(sources.getParent().resolve("FakeService.java"),
                FAKE_SERVICE.replace("package dev.loraforge.kafka;", "package dev.loraforge;"));
        Path postgresSource = Files.createDirectories(fakeRepo.resolve("fake-src/dev/loraforge/postgres"))
                .resolve("LocalPostgres.java");
        Files.writeString(postgresSource, FAKE_POSTGRES);
        int status = compiler.run(null, null, null, "-d", classes.toString(),
                sources.resolve("LocalKafka.java").toString(), sources.getParent().resolve("FakeService.java").toString(),
                postgresSource.toString());
        assertThat(status).as("compiling the fakes").isZero();

        Instant hourAgo = Instant.now().minus(1, ChronoUnit.HOURS);
        Path kafkaJar = fakeRepo.resolve("local-kafka/target/local-kafka-0.1.0-SNAPSHOT.jar");
        jar(classes, kafkaJar, null);
        Files.createDirectories(fakeRepo.resolve("local-kafka/target/lib"));
        Files.setLastModifiedTime(kafkaJar, FileTime.from(hourAgo));
        for (String service : Repo.SERVICES) {
            Path runJar = fakeRepo.resolve(service + "/target/quarkus-app/quarkus-run.jar");
            jar(classes, runJar, "dev.loraforge.FakeService");
            Files.setLastModifiedTime(runJar, FileTime.from(hourAgo));
        }
        // The topics step runs event-contracts' TopicProvisioner from job-api's libraries: a fake one there
        Path topicsClasses = Files.createDirectories(fakeRepo.resolve("fake-topics-classes"));
        Path topicsSource = Files.createDirectories(fakeRepo.resolve("fake-src/dev/loraforge/events"))
                .resolve("TopicProvisioner.java");
        Files.writeString(topicsSource, FAKE_TOPICS);
        assertThat(compiler.run(null, null, null, "-d", topicsClasses.toString(), topicsSource.toString()))
                .as("compiling the fake topics step").isZero();
        jar(topicsClasses, fakeRepo.resolve("job-api/target/quarkus-app/lib/main/fake-event-contracts.jar"), null);
        Files.createDirectories(fakeRepo.resolve("job-api/target/quarkus-app/lib/boot"));
        Files.setLastModifiedTime(pom, FileTime.from(hourAgo.minus(1, ChronoUnit.HOURS)));

        // A fake Maven on PATH: records its arguments, fails when FAKE_MVN_EXIT says so.
        Path mvn = fakeRepo.resolve("fake-bin/mvn");
        Files.createDirectories(mvn.getParent());
        Files.writeString(mvn, "#!/bin/sh\necho \"$@\" >> \"$FAKE_OUT_DIR/mvn.calls\"\n"
                + "if [ \"${FAKE_MVN_EXIT:-0}\" != 0 ]; then echo 'fake mvn: compilation failure'; fi\n"
                + "exit \"${FAKE_MVN_EXIT:-0}\"\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @BeforeEach
    void environment() throws IOException {
        java.util.Set<Integer> picked = new java.util.HashSet<>();
        for (String component : COMPONENTS) {
            ports.put(component, distinctFreePort(picked));
        }
        ports.put("kafka-controller", distinctFreePort(picked));
        env.put("LORAFORGE_HOME", home.toString());
        env.put("LORAFORGE_DB_URL", DB_URL);
        env.put("LORAFORGE_KAFKA_PORT", String.valueOf(ports.get("kafka")));
        env.put("LORAFORGE_KAFKA_CONTROLLER_PORT", String.valueOf(ports.get("kafka-controller")));
        env.put("LORAFORGE_ARTIFACT_STORE_PORT", String.valueOf(ports.get("artifact-store")));
        env.put("LORAFORGE_QUANT_PORT", String.valueOf(ports.get("quant-service")));
        env.put("LORAFORGE_TRAINER_PORT", String.valueOf(ports.get("trainer-service")));
        env.put("LORAFORGE_INFERENCE_PORT", String.valueOf(ports.get("inference-service")));
        env.put("LORAFORGE_JOBAPI_PORT", String.valueOf(ports.get("job-api")));
        env.put("LORAFORGE_START_TIMEOUT", "60");
        env.put("LORAFORGE_STOP_GRACE", "10");
        env.put("FAKE_OUT_DIR", Files.createDirectories(home.resolve("fake")).toString());
        env.put("PATH", fakeRepo.resolve("fake-bin") + ":" + System.getenv("PATH"));
    }

    @AfterEach
    void stopEverything() throws Exception {
        run(fakeScript(), "down");
        // Safety net: anything a failed test left behind.
        ourProcesses().forEach(ProcessHandle::destroyForcibly);
        strays.forEach(Process::destroyForcibly);
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        new ProcessBuilder("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                "drop database if exists " + DATABASE).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
    }

    // --- commands that start nothing, on the repository's own script -------------------------------

    @Test
    void statusWhenNothingRunsListsEveryComponentAsStoppedAndExits3() throws Exception {
        Result status = run(repoScript(), "status");
        assertThat(status.exit()).as(status.output()).isEqualTo(3);
        for (String component : COMPONENTS) {
            assertThat(status.line(component)).as(status.output()).contains("stopped").doesNotContain("running");
        }
    }

    @Test
    void operatorTokensFromTheLauncherAreAcceptedByTheServicesForTheirAudienceOnly() throws Exception {
        Result token = run(repoScript(), "token", "artifact-store");
        assertThat(token.exit()).as(token.output()).isZero();
        String key = Files.readString(home.resolve("service-key"));
        dev.loraforge.contracts.auth.ServiceTokens store = new dev.loraforge.contracts.auth.ServiceTokens(
                "artifact-store", key, java.time.Clock.systemUTC());
        String bearer = "Bearer " + token.output().trim();
        assertThat(store.verify(bearer, "artifact-store", java.util.Set.of("operator")).service()).isEqualTo("operator");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.verify(bearer, "quant-service", java.util.Set.of("operator")))
                .hasMessageContaining("not for 'quant-service'");
        Result bad = run(repoScript(), "token", "job-api");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.output()).contains("usage:").contains("artifact-store|trainer-service");
    }

    @Test
    void upWithUnreachablePostgresExplainsWhatToDoAndStartsNothing() throws Exception {
        int closed = freePort();
        env.put("LORAFORGE_DB_URL", "jdbc:postgresql://127.0.0.1:" + closed + "/loraforge");
        env.put("LORAFORGE_EMBEDDED_DB", "off"); // else the embedded server would start on the free port
        Result up = run(repoScript(), "up");
        assertThat(up.exit()).as(up.output()).isNotZero();
        assertThat(up.output())
                .contains("PostgreSQL is not reachable at 127.0.0.1:" + closed)
                .contains("pg_ctlcluster --skip-systemctl-redirect")
                .contains("LORAFORGE_DB_URL=jdbc:postgresql://HOST:PORT/loraforge")
                .contains("runs its embedded PostgreSQL on it");
        assertThat(pidFiles()).isEmpty();
        assertThat(listening(ports.get("kafka"))).isFalse();
    }

    @Test
    void upRejectsADatabaseUrlThatIsNotPostgresJdbc() throws Exception {
        env.put("LORAFORGE_DB_URL", "mysql://127.0.0.1/loraforge");
        Result up = run(repoScript(), "up");
        assertThat(up.exit()).isNotZero();
        assertThat(up.output()).contains("LORAFORGE_DB_URL='mysql://127.0.0.1/loraforge'")
                .contains("jdbc:postgresql://HOST[:PORT]/DATABASE");
    }

    @Test
    void upRejectsAPortThatIsNotANumber() throws Exception {
        env.put("LORAFORGE_TRAINER_PORT", "80a");
        Result up = run(repoScript(), "up");
        assertThat(up.exit()).isNotZero();
        assertThat(up.output()).contains("LORAFORGE_TRAINER_PORT='80a' is not a TCP port");
    }

    @Test
    void demoStartsThePlatformFirstAndStopsClearlyWhenItCannot() throws Exception {
        int closed = freePort();
        env.put("LORAFORGE_DB_URL", "jdbc:postgresql://127.0.0.1:" + closed + "/loraforge");
        env.put("LORAFORGE_EMBEDDED_DB", "off");
        Result demo = run(repoScript(), "demo");
        assertThat(demo.exit()).as(demo.output()).isNotZero();
        assertThat(demo.output()).contains("starting the platform first")
                .contains("PostgreSQL is not reachable at 127.0.0.1:" + closed);
        assertThat(pidFiles()).isEmpty();
    }

    @Test
    void unknownCommandsAndComponentsAreRefusedWithTheValidChoices() throws Exception {
        Result unknown = run(repoScript(), "start");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.output()).contains("unknown command 'start'").contains("Usage: bin/platform");
        Result logs = run(repoScript(), "logs", "trainer");
        assertThat(logs.exit()).isNotZero();
        assertThat(logs.output()).contains("unknown component 'trainer'").contains("trainer-service");
    }

    // --- start, status, stop with fake services ----------------------------------------------------

    @Test
    void upStartsTheBrokerAndServicesWithTheirSettingsAndDownStopsThemGracefully() throws Exception {
        Result up = run(fakeScript(), "up");
        assertThat(up.exit()).as(up.output()).isZero();
        assertThat(up.output()).contains("LoRA Forge is up")
                .contains("http://127.0.0.1:" + ports.get("job-api"))
                .doesNotContain("building");
        assertThat(home.resolve("fake/mvn.calls")).as("no build: the jars are newer than the sources").doesNotExist();
        assertThat(databaseExists()).as("the launcher creates the database").isTrue();

        Map<String, String> kafka = readEnvDump(home.resolve("fake/kafka.env"));
        assertThat(kafka.get("args")).contains("--port " + ports.get("kafka"))
                .contains("--controller-port " + ports.get("kafka-controller"))
                .contains("--data-dir " + home.resolve("data/kafka"));
        assertThat(kafka.get("jvm")).contains("-Xmx512m");
        Map<String, String> topics = readEnvDump(home.resolve("fake/topics.env"));
        assertThat(topics.get("args")).as("the topics step on the broker just started")
                .contains("--bootstrap-servers 127.0.0.1:" + ports.get("kafka"));
        assertThat(up.output()).contains("Kafka topics on 127.0.0.1:" + ports.get("kafka") + ": created");
        for (String service : Repo.SERVICES) {
            assertThat(Files.getLastModifiedTime(home.resolve("fake/topics.env")))
                    .as("the topics exist before %s starts", service)
                    .isLessThanOrEqualTo(Files.getLastModifiedTime(home.resolve("fake/" + service + ".env")));
        }

        String bootstrap = "127.0.0.1:" + ports.get("kafka");
        String store = "http://127.0.0.1:" + ports.get("artifact-store");
        for (String service : Repo.SERVICES) {
            Map<String, String> dump = readEnvDump(home.resolve("fake/" + service + ".env"));
            assertThat(dump).as(service).containsEntry("QUARKUS_HTTP_PORT", String.valueOf(ports.get(service)));
            if (Repo.usesDatabaseAndKafka(service)) {
                assertThat(dump).as(service)
                        .containsEntry("QUARKUS_DATASOURCE_JDBC_URL", DB_URL)
                        .containsEntry("QUARKUS_DATASOURCE_USERNAME", "postgres")
                        .containsEntry("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
            } else {
                assertThat(dump).as(service).doesNotContainKeys("QUARKUS_DATASOURCE_JDBC_URL", "KAFKA_BOOTSTRAP_SERVERS");
            }
            for (String variable : ServiceSettings.required(service)) {
                if (!variable.equals("QUARKUS_DATASOURCE_PASSWORD")) {
                    assertThat(dump).as("%s gets %s", service, variable).containsKey(variable);
                }
            }
        }
        Map<String, String> jobApi = readEnvDump(home.resolve("fake/job-api.env"));
        assertThat(jobApi).containsEntry("JOBAPI_ARTIFACT_STORE_URL", store)
                .containsEntry("JOBAPI_INFERENCE_URL", "http://127.0.0.1:" + ports.get("inference-service"))
                .containsEntry("JOBAPI_ADMIN_KEY", Files.readString(home.resolve("admin-key")));
        assertThat(jobApi.get("JOBAPI_ADMIN_KEY")).hasSizeGreaterThanOrEqualTo(32);
        String serviceKey = Files.readString(home.resolve("service-key"));
        assertThat(serviceKey).hasSizeGreaterThanOrEqualTo(32).isNotEqualTo(jobApi.get("JOBAPI_ADMIN_KEY"));
        for (String service : Repo.SERVICES) {
            Map<String, String> dump = readEnvDump(home.resolve("fake/" + service + ".env"));
            assertThat(dump).as(service).containsEntry("LORAFORGE_SERVICE_KEY", serviceKey)
                    .containsEntry("QUARKUS_HTTP_HOST", service.equals("job-api") ? "0.0.0.0" : "127.0.0.1");
        }
        assertThat(jobApi.get("jvm")).contains("-Xmx512m");
        Map<String, String> trainer = readEnvDump(home.resolve("fake/trainer-service.env"));
        assertThat(trainer).containsEntry("TRAINER_ARTIFACT_STORE_URL", store)
                .containsEntry("TRAINER_WORK_DIR", home.resolve("work/trainer").toString())
                .containsEntry("DJL_CACHE_DIR", home.resolve("djl-cache").toString());
        assertThat(trainer.get("GLIBC_TUNABLES")).as("big tensors on huge pages").endsWith("glibc.malloc.hugetlb=1");
        assertThat(trainer.get("jvm")).contains("-Xmx2g");
        assertThat(readEnvDump(home.resolve("fake/artifact-store.env")))
                .containsEntry("ARTIFACTS_STORAGE_DIR", home.resolve("data/artifacts").toString())
                .containsEntry("ARTIFACTS_BASE_MODEL_ROOTS", home.resolve("models").toString());
        assertThat(home.resolve("data/artifacts")).isDirectory();
        assertThat(readEnvDump(home.resolve("fake/inference-service.env")))
                .containsEntry("INFERENCE_ARTIFACT_STORE_URL", store)
                .containsEntry("INFERENCE_WORK_DIR", home.resolve("work/inference").toString())
                .containsEntry("DJL_CACHE_DIR", home.resolve("djl-cache").toString());

        Result status = run(fakeScript(), "status");
        assertThat(status.exit()).as(status.output()).isZero();
        for (String component : COMPONENTS) {
            String pid = Files.readString(home.resolve("run/" + component + ".pid")).trim();
            assertThat(status.line(component)).as(status.output()).contains(" " + pid + " ").contains("running")
                    .contains(component.equals("kafka") ? "listening" : "UP");
        }
        Map<String, String> pidsBefore = pids();

        Result again = run(fakeScript(), "up");
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(again.output()).contains("job-api already running");
        assertThat(pids()).as("a second up starts nothing new").isEqualTo(pidsBefore);

        Result logs = run(fakeScript(), "logs", "job-api");
        assertThat(logs.exit()).isZero();
        assertThat(logs.output()).contains("fake job-api listening on " + ports.get("job-api"));

        Result down = run(fakeScript(), "down");
        assertThat(down.exit()).as(down.output()).isZero();
        for (String component : COMPONENTS) {
            assertThat(down.line(component)).as(down.output()).contains("stopped (pid " + pidsBefore.get(component) + ")");
            assertThat(alive(Long.parseLong(pidsBefore.get(component)))).as("%s is gone", component).isFalse();
            assertThat(Files.readString(home.resolve("logs/" + component + ".log")))
                    .as("%s was asked to stop with SIGTERM", component).contains("SIGTERM received");
        }
        assertThat(pidFiles()).isEmpty();
        assertThat(run(fakeScript(), "status").exit()).isEqualTo(3);
    }

    @Test
    void downKillsAProcessThatDoesNotStopAfterSigterm() throws Exception {
        env.put("FAKE_HANG_ON_TERM", "trainer-service");
        env.put("LORAFORGE_STOP_GRACE", "2");
        Result up = run(fakeScript(), "up");
        assertThat(up.exit()).as(up.output()).isZero();
        long trainer = Long.parseLong(pids().get("trainer-service"));
        Result down = run(fakeScript(), "down");
        assertThat(down.exit()).as(down.output()).isZero();
        assertThat(down.line("trainer-service")).as(down.output())
                .contains("did not stop within 2s after SIGTERM; killed (pid " + trainer + ")");
        assertThat(down.line("job-api")).as(down.output()).contains("stopped (pid");
        awaitGone(trainer);
    }

    @Test
    void upReportsAServiceThatDiesWithItsLogAndStopsTheRest() throws Exception {
        env.put("FAKE_FAIL", "quant-service");
        Result up = run(fakeScript(), "up");
        assertThat(up.exit()).as(up.output()).isNotZero();
        assertThat(up.output()).contains("quant-service exited before it was ready")
                .contains("fake quant-service: failing on purpose")
                .contains("stopping the processes started so far");
        assertThat(ourProcesses()).as("processes of this platform home still running").isEmpty();
        assertThat(pidFiles()).isEmpty();
    }

    @Test
    void withNoDatabaseServerOnItsPortUpRunsTheEmbeddedOneAndDownStopsIt() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        env.put("LORAFORGE_DB_URL", "jdbc:postgresql://127.0.0.1:" + port + "/loraforge");
        Result up = run(fakeScript(), "up");
        assertThat(up.exit()).as(up.output()).isZero();
        assertThat(up.output()).contains("embedded PostgreSQL started on 127.0.0.1:" + port);
        assertThat(readEnvDump(home.resolve("fake/postgres-ensure.env")).get("args")).isEqualTo(
                "--ensure --port " + port + " --dir " + home.resolve("postgres") + " --databases loraforge");
        for (String service : Repo.SERVICES) {
            if (Repo.usesDatabaseAndKafka(service)) {
                assertThat(readEnvDump(home.resolve("fake/" + service + ".env")))
                        .containsEntry("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:" + port + "/loraforge");
            }
        }
        Result down = run(fakeScript(), "down");
        assertThat(down.exit()).as(down.output()).isZero();
        assertThat(down.output()).contains("stopping the embedded PostgreSQL");
        assertThat(readEnvDump(home.resolve("fake/postgres-stop.env")).get("args"))
                .isEqualTo("--stop --dir " + home.resolve("postgres"));

        env.put("LORAFORGE_EMBEDDED_DB", "off");
        Result refused = run(fakeScript(), "up");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.output()).contains("PostgreSQL is not reachable at 127.0.0.1:" + port)
                .contains("embedded PostgreSQL on it");
    }

    @Test
    void upStopsWhenTheTopicsCannotBeCreatedBeforeAnyServiceStarts() throws Exception {
        env.put("FAKE_FAIL", "topics");
        Result up = run(fakeScript(), "up");
        assertThat(up.exit()).as(up.output()).isNotZero();
        assertThat(up.output()).contains("topics could not create the Kafka topics on 127.0.0.1:" + ports.get("kafka"))
                .contains("cannot create Kafka topics on the fake broker")
                .contains("stopping the processes started so far");
        for (String service : Repo.SERVICES) {
            assertThat(home.resolve("fake/" + service + ".env")).as("%s never started", service).doesNotExist();
        }
        assertThat(ourProcesses()).as("processes of this platform home still running").isEmpty();
        assertThat(pidFiles()).isEmpty();
    }

    @Test
    void upRefusesAPortTakenBySomethingElseAndNamesTheSetting() throws Exception {
        try (ServerSocket taken = new ServerSocket(ports.get("job-api"), 50, InetAddress.getLoopbackAddress())) {
            Result up = run(fakeScript(), "up");
            assertThat(up.exit()).as(up.output()).isNotZero();
            assertThat(up.output()).contains("port " + ports.get("job-api") + " (for job-api) is already in use")
                    .contains("LORAFORGE_JOBAPI_PORT=");
        }
        assertThat(pidFiles()).isEmpty();
        assertThat(listening(ports.get("kafka"))).isFalse();
    }

    @Test
    void aPidFileNamingAnotherProcessIsNeitherReportedNorSignalled() throws Exception {
        Process stranger = new ProcessBuilder("sleep", "300").start();
        strays.add(stranger);
        Files.createDirectories(home.resolve("run"));
        Files.writeString(home.resolve("run/job-api.pid"), stranger.pid() + "\n");
        Result status = run(fakeScript(), "status");
        assertThat(status.line("job-api")).as(status.output()).contains("stopped").doesNotContain(String.valueOf(stranger.pid()));
        Result down = run(fakeScript(), "down");
        assertThat(down.line("job-api")).as(down.output()).contains("not running");
        assertThat(stranger.isAlive()).as("down must not signal a process it did not start").isTrue();
    }

    @Test
    void upBuildsWhenASourceIsNewerThanTheJarsAndReportsAFailedBuild() throws Exception {
        Path source = fakeRepo.resolve("job-api/src/main/java/Changed.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "class Changed {}\n");
        try {
            env.put("FAKE_MVN_EXIT", "1");
            Result failed = run(fakeScript(), "up");
            assertThat(failed.exit()).as(failed.output()).isNotZero();
            assertThat(failed.output()).contains("building (job-api/src/main/java/Changed.java changed since the last build)")
                    .contains("the build failed").contains("fake mvn: compilation failure");
            assertThat(Files.readString(home.resolve("fake/mvn.calls"))).contains("-DskipTests package");
            assertThat(pidFiles()).isEmpty();

            env.put("FAKE_MVN_EXIT", "0");
            Result built = run(fakeScript(), "up");
            assertThat(built.exit()).as(built.output()).isZero();
            assertThat(built.output()).contains("building (job-api/src/main/java/Changed.java");
            assertThat(run(fakeScript(), "down").exit()).isZero();

            Result upToDate = run(fakeScript(), "up");
            assertThat(upToDate.exit()).as(upToDate.output()).isZero();
            assertThat(upToDate.output()).as("built once: no second build").doesNotContain("building");
            assertThat(Files.readAllLines(home.resolve("fake/mvn.calls"))).hasSize(2);
        } finally {
            Files.deleteIfExists(source);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------

    private record Result(int exit, String output) {
        /** The output line that starts with (or reports on) a component. */
        String line(String component) {
            return output.lines().filter(l -> l.startsWith(component + " ") || l.startsWith("  " + component + ":"))
                    .findFirst().orElse("<no line for " + component + ">");
        }
    }

    private Path repoScript() {
        return Repo.root().resolve("bin/platform");
    }

    private Path fakeScript() {
        return fakeRepo.resolve("bin/platform");
    }

    private Result run(Path script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(key -> key.startsWith("LORAFORGE_") || key.startsWith("JOBAPI_")
                || key.startsWith("TRAINER_") || key.startsWith("QUANT_") || key.startsWith("DJL_")
                || key.startsWith("FAKE_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(150, TimeUnit.SECONDS)).as("bin/platform %s finished", String.join(" ", args)).isTrue();
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    private Map<String, String> pids() throws IOException {
        Map<String, String> pids = new LinkedHashMap<>();
        for (String component : COMPONENTS) {
            Path file = home.resolve("run/" + component + ".pid");
            if (Files.exists(file)) {
                pids.put(component, Files.readString(file).trim());
            }
        }
        return pids;
    }

    private List<Path> pidFiles() throws IOException {
        Path run = home.resolve("run");
        if (!Files.isDirectory(run)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(run)) {
            return files.filter(f -> f.toString().endsWith(".pid")).toList();
        }
    }

    private static Map<String, String> readEnvDump(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }

    private static boolean databaseExists() throws Exception {
        Process psql = new ProcessBuilder("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc",
                "select 1 from pg_database where datname = '" + DATABASE + "'").redirectErrorStream(true).start();
        String out = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        psql.waitFor(30, TimeUnit.SECONDS);
        return out.equals("1");
    }

    private static void awaitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 100 && alive(pid); i++) {
            Thread.sleep(100);
        }
        assertThat(alive(pid)).as("process %d stopped", pid).isFalse();
    }

    /**
     * Whether a process exists and has not exited. Read from /proc because an exited process that
     * nobody reaps (PID 1 of some containers does not) still "exists" as a zombie.
     */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** Live processes started by the launcher for this test's platform home (they carry its marker). */
    private List<ProcessHandle> ourProcesses() {
        String marker = "@" + home + " ";
        return ProcessHandle.allProcesses()
                .filter(p -> alive(p.pid()))
                .filter(p -> p.info().commandLine().map(c -> c.contains("-Dloraforge.process=") && c.contains(marker))
                        .orElse(false))
                .toList();
    }

    private static boolean listening(int port) {
        try (java.net.Socket ignored = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** A free port not in {@code picked} (the kernel may hand a just-closed port out again); adds it. */
    private static int distinctFreePort(java.util.Set<Integer> picked) throws IOException {
        while (true) {
            int port = freePort();
            if (picked.add(port)) {
                return port;
            }
        }
    }

    private static void jar(Path classes, Path jar, String mainClass) throws IOException {
        Files.createDirectories(jar.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (mainClass != null) {
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out, manifest);
                Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                jarOut.putNextEntry(new JarEntry(classes.relativize(file).toString()));
                jarOut.write(Files.readAllBytes(file));
                jarOut.closeEntry();
            }
        }
    }

    /** Common part of both fakes: who am I, record env and JVM flags, hang or fail on request. */
    private static final String FAKE_COMMON = """
                static String name() {
                    String marker = System.getProperty("loraforge.process");
                    return marker.substring(0, marker.indexOf('@'));
                }

                static void record(String name, String args) throws Exception {
                    StringBuilder out = new StringBuilder();
                    System.getenv().forEach((k, v) -> out.append(k).append('=').append(v).append('\\n'));
                    out.append("pid=").append(ProcessHandle.current().pid()).append('\\n');
                    out.append("jvm=").append(String.join(" ",
                            java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())).append('\\n');
                    out.append("args=").append(args).append('\\n');
                    java.nio.file.Files.writeString(java.nio.file.Path.of(System.getenv("FAKE_OUT_DIR"), name + ".env"),
                            out.toString());
                }

                static void onSigterm(String name, Runnable stop) {
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        System.out.println("fake " + name + ": SIGTERM received");
                        System.out.flush();
                        if (name.equals(System.getenv("FAKE_HANG_ON_TERM"))) {
                            try { Thread.sleep(600_000); } catch (InterruptedException e) { }
                        }
                        stop.run();
                    }));
                }
            """;

    private static final String FAKE_SERVICE = """
            package dev.loraforge.kafka;

            import com.sun.net.httpserver.HttpServer;
            import java.net.InetSocketAddress;

            public class FakeService {
            """ + FAKE_COMMON + """
                public static void main(String[] args) throws Exception {
                    String name = name();
                    record(name, String.join(" ", args));
                    if (name.equals(System.getenv("FAKE_FAIL"))) {
                        System.out.println("fake " + name + ": failing on purpose");
                        System.exit(3);
                    }
                    int port = Integer.parseInt(System.getenv("QUARKUS_HTTP_PORT"));
                    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
                    server.createContext("/q/health/ready", exchange -> {
                        byte[] body = "{\\"status\\":\\"UP\\"}".getBytes();
                        exchange.sendResponseHeaders(200, body.length);
                        exchange.getResponseBody().write(body);
                        exchange.close();
                    });
                    server.start();
                    onSigterm(name, () -> server.stop(0));
                    System.out.println("fake " + name + " listening on " + port);
                }
            }
            """;

    /** The embedded database: records each call's arguments by mode (ensure, stop). */
    private static final String FAKE_POSTGRES = """
            package dev.loraforge.postgres;

            public class LocalPostgres {
                public static void main(String[] args) throws Exception {
                    String mode = java.util.List.of(args).contains("--stop") ? "stop" : "ensure";
                    java.nio.file.Files.writeString(java.nio.file.Path.of(System.getenv("FAKE_OUT_DIR"), "postgres-" + mode + ".env"),
                            "args=" + String.join(" ", args) + "\\n");
                    System.out.println(mode.equals("stop") ? "embedded PostgreSQL stopped"
                            : "embedded PostgreSQL started on 127.0.0.1:" + args[java.util.List.of(args).indexOf("--port") + 1]);
                }
            }
            """;

    /** The deployment's topics step: records its arguments; fails when FAKE_FAIL is "topics". */
    private static final String FAKE_TOPICS = """
            package dev.loraforge.events;

            public class TopicProvisioner {
                public static void main(String[] args) throws Exception {
                    java.nio.file.Files.writeString(java.nio.file.Path.of(System.getenv("FAKE_OUT_DIR"), "topics.env"),
                            "args=" + String.join(" ", args) + "\\n");
                    if ("topics".equals(System.getenv("FAKE_FAIL"))) {
                        System.err.println("TopicProvisioner: cannot create Kafka topics on the fake broker");
                        System.exit(1);
                    }
                    System.out.println("Kafka topics on " + args[1] + ": created [loraforge.job.dispatch], 0 already there");
                }
            }
            """;

    private static final String FAKE_KAFKA = """
            package dev.loraforge.kafka;

            import java.net.InetAddress;
            import java.net.ServerSocket;
            import java.util.List;

            public class LocalKafka {
            """ + FAKE_COMMON + """
                public static void main(String[] args) throws Exception {
                    String name = name();
                    record(name, String.join(" ", args));
                    List<String> list = List.of(args);
                    int port = Integer.parseInt(list.get(list.indexOf("--port") + 1));
                    int controller = Integer.parseInt(list.get(list.indexOf("--controller-port") + 1));
                    ServerSocket broker = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
                    ServerSocket quorum = new ServerSocket(controller, 50, InetAddress.getLoopbackAddress());
                    Thread acceptor = new Thread(() -> {
                        while (true) {
                            try { broker.accept().close(); } catch (Exception e) { return; }
                        }
                    });
                    acceptor.setDaemon(true);
                    acceptor.start();
                    onSigterm(name, () -> { });
                    System.out.println("[fake] Kafka broker ready on 127.0.0.1:" + port);
                    Thread.sleep(Long.MAX_VALUE);
                }
            }
            """;
}
