package dev.loraforge.quant.service;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.quant.OperatorToken;
import static dev.loraforge.quant.support.StandInArtifactStore.STORE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.events.QuantizationOutcome;
import dev.loraforge.engine.quant.ModelQuantizer;
import dev.loraforge.engine.quant.QuantScheme;
import dev.loraforge.engine.quant.QuantizationReport;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.quant.repository.Quantization;
import dev.loraforge.quant.repository.QuantizationRepository;
import dev.loraforge.quant.repository.QuantizationStatus;
import dev.loraforge.quant.support.EngineCheck;
import dev.loraforge.quant.support.QuantEvents;
import dev.loraforge.quant.support.StandInArtifactStore;
import dev.loraforge.quant.support.TinyModels;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * A process that died mid-run leaves its row {@code running} with a heartbeat that stops; once the
 * lease is older than {@code quant.lease-timeout} a sweep hands the pair to a live worker, which
 * completes it and answers the requests that were waiting.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class QuantizationRecoveryTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    @Inject
    QuantizationRepository repository;
    @Inject
    QuantizationSweeper sweeper;

    @Test
    void aRunLeftByADeadProcessIsTakenOverAndCompleted() throws Exception {
        Path baseDir = TinyModels.model(31);
        ArtifactRef base = STORE.registerBaseModel("tiny-31", baseDir, null);
        leaveRunningRow(base, "nf4", "qreq-orphaned", OffsetDateTime.now(ZoneOffset.UTC).minusHours(1));

        assertThat(sweeper.sweep()).isPositive();

        QuantizationOutcome outcome = QuantEvents.outcomeFor("qreq-orphaned");
        assertThat(outcome.status()).isEqualTo(QuantizationOutcome.Status.SUCCEEDED);
        assertThat(outcome.requestIds()).containsExactly("qreq-orphaned");
        assertThat(STORE.created(outcome.quantizedModel().id())).isEqualTo(1);
        EngineCheck.assertLoadsAsQuantizedVariant(STORE.blob(outcome.quantizedModel().digest()), baseDir, "nf4");
        given().get("/api/v1/quantizations/{digest}/{scheme}", base.digest(), "nf4").then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("attempts", equalTo(2));
    }

    @Test
    void aRunThatDiedAfterRegisteringIsCompletedWithoutQuantizingAgain() throws Exception {
        Path baseDir = TinyModels.model(32);
        ArtifactRef base = STORE.registerBaseModel("tiny-32", baseDir, null);
        // what the dead run had stored and registered before it could record the result
        Path out = TinyModels.scratch("earlier-run").resolve("q");
        QuantizationReport report = ModelQuantizer.quantize(baseDir, QuantScheme.INT8, out);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        DirectoryArchive.write(out, tar);
        String digest = STORE.putBlob(tar.toByteArray());
        String id = "qmodel-" + base.digest().substring(7) + "-int8";
        ObjectNode artifact = new ObjectMapper().createObjectNode().put("id", id).put("kind", "quantized_model")
                .put("name", "tiny-32-int8").put("digest", digest);
        artifact.putObject("metadata").put("scheme", "int8").put("base_digest", base.digest())
                .put("engine_version", "0.1.0-earlier").put("bytes_before", report.bytesBefore())
                .put("bytes_after", report.bytesAfter()).put("mean_abs_error", report.meanAbsError());
        artifact.putArray("parents").addObject().put("id", base.id()).put("relation", "quantized_from");
        STORE.putArtifact(artifact);
        leaveRunningRow(base, "int8", "qreq-nearly-done", OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(10));
        int uploads = STORE.allUploads();

        sweeper.sweep();

        QuantizationOutcome outcome = QuantEvents.outcomeFor("qreq-nearly-done");
        assertThat(outcome.status()).isEqualTo(QuantizationOutcome.Status.SUCCEEDED);
        assertThat(outcome.quantizedModel()).isEqualTo(new ArtifactRef(id, digest));
        assertThat(outcome.bytesAfter()).isEqualTo(report.bytesAfter());
        assertThat(outcome.meanAbsError()).isEqualTo(report.meanAbsError());
        assertThat(outcome.engineVersion()).isEqualTo("0.1.0-earlier");
        assertThat(STORE.allUploads()).isEqualTo(uploads);
        assertThat(STORE.created(id)).isZero();
    }

    @Test
    void aRunWithAFreshHeartbeatIsLeftToItsOwner() throws Exception {
        Path baseDir = TinyModels.model(33);
        ArtifactRef base = STORE.registerBaseModel("tiny-33", baseDir, null);
        leaveRunningRow(base, "nf4", "qreq-in-progress", OffsetDateTime.now(ZoneOffset.UTC));

        sweeper.sweep();
        // a request for a pair being run joins its waiting list instead of starting a second run
        QuantEvents.request("qreq-joins", base, "nf4");

        given().get("/api/v1/quantizations/{digest}/{scheme}", base.digest(), "nf4").then().statusCode(200)
                .body("status", equalTo("running"))
                .body("owner", nullValue()); // the owner is internal: not on the wire
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(QuarkusTransaction.requiringNew().call(() -> repository.findById(
                        new Quantization.Key(base.digest(), "nf4")).waiting()))
                        .containsExactly("qreq-in-progress", "qreq-joins"));
        Quantization row = QuarkusTransaction.requiringNew().call(() -> repository.findById(new Quantization.Key(base.digest(), "nf4")));
        assertThat(row.status).isEqualTo(QuantizationStatus.RUNNING);
        assertThat(row.owner).isEqualTo("live-worker/1234");
        assertThat(row.attempts).isEqualTo(1);
    }

    private void leaveRunningRow(ArtifactRef base, String scheme, String requestId, OffsetDateTime heartbeat) {
        QuarkusTransaction.requiringNew().run(() -> {
            Quantization q = new Quantization();
            q.key = new Quantization.Key(base.digest(), scheme);
            q.baseId = base.id();
            q.status = QuantizationStatus.RUNNING;
            q.waitingRequestIds = new String[] {requestId};
            q.requestCount = 1;
            q.attempts = 1;
            q.owner = heartbeat.isBefore(OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1)) ? "dead-worker/0000" : "live-worker/1234";
            q.heartbeatAt = heartbeat;
            q.createdAt = heartbeat;
            q.updatedAt = heartbeat;
            repository.persist(q);
        });
    }
}
