package dev.loraforge.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.fixtures.TinyModelGenerator;
import dev.loraforge.postgres.LocalPostgres;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The platform on the embedded default database, chosen by configuration while the machine's own server keeps running
 * for the other tests: the embedded PostgreSQL (local-kafka's {@link LocalPostgres}, what {@code bin/platform} and the
 * test run start where no server answers) on a free port, the services' schemas migrated on it, and a job trained
 * for real and served.
 */
class EmbeddedDatabaseIT {

    @Test
    void aJobTrainsAndIsServedWithTheEmbeddedDatabase() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        // under java.io.tmpdir and open to others: as root, the server runs as nobody, who must reach its files
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "embedded-postgres-it");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        LocalPostgres postgres = LocalPostgres.ensure(dir.resolve("pg"), port, List.of(), false);
        assertThat(postgres).as("nothing listened on the free port: the embedded server started").isNotNull();
        try (Platform platform = Platform.start(1, TestDatabase.create("127.0.0.1:" + port, "postgres"))) {
            Path model = platform.work.resolve("models/" + PlatformIT.MODEL);
            TinyModelGenerator.write(TinyModelGenerator.Preset.parse("tiny"), model, 42);
            platform.store().post("/api/v1/base-models", "{\"name\":\"" + PlatformIT.MODEL + "\",\"path\":\"" + model + "\"}");
            ApiClient erin = platform.tenant("erin", 1);
            String file = PlatformIT.upload(erin, DemoDatasets.read(DemoDatasets.PIRATE));
            String job = PlatformIT.create(erin, file, 1);
            JsonNode done = PlatformIT.awaitStatus(erin, job, "succeeded", 240);
            JsonNode answer = erin.post("/v1/chat/completions", "{\"model\":\"" + done.path("fine_tuned_model").asText()
                    + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Ahoy?\"}],\"max_tokens\":4}");
            assertThat(answer.path("choices").get(0).path("message").path("content").isTextual()).isTrue();
            assertThat(erin.get("/v1/fine_tuning/jobs/" + job + "/events?limit=100").path("data")).isNotEmpty();
        } finally {
            postgres.stop();
        }
        assertThat(LocalPostgres.stop(dir.resolve("pg"))).as("stopped").isFalse();
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
