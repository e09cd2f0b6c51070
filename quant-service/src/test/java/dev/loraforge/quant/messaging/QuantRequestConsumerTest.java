package dev.loraforge.quant.messaging;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.quant.OperatorToken;
import static dev.loraforge.quant.support.StandInArtifactStore.STORE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.events.EventSamples;
import dev.loraforge.events.EventType;
import dev.loraforge.events.QuantizationOutcome;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.quant.service.QuantizationFailure;
import dev.loraforge.quant.support.EngineCheck;
import dev.loraforge.quant.support.QuantEvents;
import dev.loraforge.quant.support.StandInArtifactStore;
import dev.loraforge.quant.support.TinyModels;
import dev.loraforge.engine.quant.ModelQuantizer;
import dev.loraforge.engine.quant.QuantScheme;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Requests travel through the real broker; the pair's row lives in the real PostgreSQL; artifact-store
 * is a stand-in serving tiny real Llama models. One quantization per (digest, scheme), whoever asks.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class QuantRequestConsumerTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    @Test
    void requestsSentTogetherShareOneQuantizationAndLaterOnesAreAnsweredFromTheRow() throws Exception {
        Path baseDir = TinyModels.model(11);
        ArtifactRef base = STORE.registerBaseModel("tiny-11", baseDir, null);

        // the run is held at its download until both requests are on the pair's row
        STORE.hold(base.digest());
        try {
            QuantEvents.request("qreq-together-1", base, "nf4-dq");
            QuantEvents.request("qreq-together-2", base, "nf4-dq");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    given().get("/api/v1/quantizations/{digest}/{scheme}", base.digest(), "nf4-dq").then().statusCode(200)
                            .body("status", equalTo("running"))
                            .body("waiting_request_ids", contains("qreq-together-1", "qreq-together-2")));
        } finally {
            STORE.release(base.digest());
        }

        QuantizationOutcome outcome = QuantEvents.outcomeFor("qreq-together-1");
        assertThat(outcome.status()).isEqualTo(QuantizationOutcome.Status.SUCCEEDED);
        assertThat(outcome.requestIds()).containsExactly("qreq-together-1", "qreq-together-2");
        assertThat(outcome.baseModel()).isEqualTo(base);
        assertThat(outcome.scheme()).isEqualTo("nf4-dq");
        assertThat(outcome.bytesBefore()).isEqualTo(Files.size(baseDir.resolve("model.safetensors")));
        assertThat(outcome.bytesAfter()).isPositive().isLessThan(outcome.bytesBefore());
        assertThat(outcome.meanAbsError()).isPositive().isLessThan(0.1);
        assertThat(outcome.durationMs()).isNotNull().isNotNegative();
        assertThat(outcome.engineVersion()).isNotBlank();
        assertThat(outcome.error()).isNull();

        // one quantization: one blob stored, one artifact registered, with its lineage and figures
        ArtifactRef quantized = outcome.quantizedModel();
        assertThat(quantized.id()).isEqualTo("qmodel-" + base.digest().substring(7) + "-nf4-dq");
        assertThat(STORE.uploads(quantized.digest())).isEqualTo(1);
        assertThat(STORE.created(quantized.id())).isEqualTo(1);
        JsonNode artifact = STORE.artifact(quantized.id());
        assertThat(artifact.path("kind").asText()).isEqualTo("quantized_model");
        assertThat(artifact.path("digest").asText()).isEqualTo(quantized.digest());
        assertThat(artifact.path("parents")).hasSize(1);
        assertThat(artifact.path("parents").get(0).path("id").asText()).isEqualTo(base.id());
        assertThat(artifact.path("parents").get(0).path("relation").asText()).isEqualTo("quantized_from");
        JsonNode metadata = artifact.path("metadata");
        assertThat(metadata.path("scheme").asText()).isEqualTo("nf4-dq");
        assertThat(metadata.path("base_digest").asText()).isEqualTo(base.digest());
        assertThat(metadata.path("engine_version").asText()).isEqualTo(outcome.engineVersion());
        assertThat(metadata.path("bytes_before").asLong()).isEqualTo(outcome.bytesBefore());
        assertThat(metadata.path("bytes_after").asLong()).isEqualTo(outcome.bytesAfter());
        assertThat(metadata.path("mean_abs_error").asDouble()).isEqualTo(outcome.meanAbsError());
        assertThat(metadata.path("bits_per_quantized_parameter").asDouble()).isBetween(4.12, 4.2);

        // the stored blob is a quantized model the engine loads, equal to quantizing the base in memory
        EngineCheck.assertLoadsAsQuantizedVariant(STORE.blob(quantized.digest()), baseDir, "nf4-dq");

        // a later request is answered from the row: same model, no second quantization
        QuantEvents.request("qreq-later", base, "nf4-dq");
        QuantizationOutcome later = QuantEvents.outcomeFor("qreq-later");
        assertThat(later.status()).isEqualTo(QuantizationOutcome.Status.SUCCEEDED);
        assertThat(later.requestIds()).containsExactly("qreq-later");
        assertThat(later.quantizedModel()).isEqualTo(quantized);
        assertThat(later.bytesAfter()).isEqualTo(outcome.bytesAfter());
        assertThat(STORE.uploads(quantized.digest())).isEqualTo(1);
        assertThat(STORE.created(quantized.id())).isEqualTo(1);
        assertThat(QuantEvents.outcomesOf(base.digest(), "nf4-dq")).hasSize(2);

        given().get("/api/v1/quantizations/{digest}/{scheme}", base.digest(), "nf4-dq").then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("attempts", equalTo(1))
                .body("request_count", equalTo(3))
                .body("waiting_request_ids", empty())
                .body("quantized_model.id", equalTo(quantized.id()));
    }

    @Test
    void aPrivateBaseModelGetsAQuantizedVariantOfItsOwnForItsOwner() throws Exception {
        Path baseDir = TinyModels.model(15);
        ArtifactRef shared = STORE.registerBaseModel("tiny-15", baseDir, null);
        ArtifactRef owned = STORE.registerBaseModel("tiny-15-acme", baseDir, "acme-15");
        assertThat(owned.digest()).isEqualTo(shared.digest()); // the same content, public and private

        QuantEvents.request("qreq-public-15", shared, "nf4");
        QuantEvents.requestPrivate("qreq-private-15", owned, "nf4", "acme-15");
        QuantizationOutcome pub = QuantEvents.outcomeFor("qreq-public-15");
        QuantizationOutcome own = QuantEvents.outcomeFor("qreq-private-15");
        assertThat(pub.status()).isEqualTo(QuantizationOutcome.Status.SUCCEEDED);
        assertThat(own.status()).isEqualTo(QuantizationOutcome.Status.SUCCEEDED);
        assertThat(pub.tenantId()).isNull();
        assertThat(own.tenantId()).isEqualTo("acme-15");
        // two pairs, two artifacts: the owner's is private to it and derived from its own base model
        assertThat(own.quantizedModel().id()).isNotEqualTo(pub.quantizedModel().id())
                .startsWith("qmodel-" + shared.digest().substring(7) + "-nf4-t");
        JsonNode artifact = STORE.artifact(own.quantizedModel().id());
        assertThat(artifact.path("tenant_id").asText()).isEqualTo("acme-15");
        assertThat(artifact.path("parents").get(0).path("id").asText()).isEqualTo(owned.id());
        assertThat(STORE.artifact(pub.quantizedModel().id()).path("tenant_id").isMissingNode()
                || STORE.artifact(pub.quantizedModel().id()).path("tenant_id").isNull()).isTrue();
        given().get("/api/v1/quantizations/{digest}/{scheme}?tenant_id=acme-15", shared.digest(), "nf4").then()
                .statusCode(200).body("tenant_id", equalTo("acme-15"))
                .body("quantized_model.id", equalTo(own.quantizedModel().id()));
        given().get("/api/v1/quantizations/{digest}/{scheme}", shared.digest(), "nf4").then().statusCode(200)
                .body("tenant_id", equalTo(null)).body("quantized_model.id", equalTo(pub.quantizedModel().id()));

        // a private base model requested as public is not found: the service reads it as nobody's
        QuantEvents.request("qreq-wrong-15", owned, "int8");
        QuantizationOutcome wrong = QuantEvents.outcomeFor("qreq-wrong-15");
        assertThat(wrong.status()).isEqualTo(QuantizationOutcome.Status.FAILED);
        assertThat(wrong.error().message()).contains(owned.id());
    }

    @Test
    void anotherSchemeOfTheSameBaseIsItsOwnPair() throws Exception {
        Path baseDir = TinyModels.model(12);
        ArtifactRef base = STORE.registerBaseModel("tiny-12", baseDir, null);

        QuantEvents.request("qreq-int8", base, "int8");
        QuantEvents.request("qreq-nf4", base, "nf4");

        QuantizationOutcome int8 = QuantEvents.outcomeFor("qreq-int8");
        QuantizationOutcome nf4 = QuantEvents.outcomeFor("qreq-nf4");
        assertThat(int8.status()).isEqualTo(QuantizationOutcome.Status.SUCCEEDED);
        assertThat(nf4.status()).isEqualTo(QuantizationOutcome.Status.SUCCEEDED);
        assertThat(int8.requestIds()).containsExactly("qreq-int8");
        assertThat(nf4.requestIds()).containsExactly("qreq-nf4");
        assertThat(int8.quantizedModel().digest()).isNotEqualTo(nf4.quantizedModel().digest());
        assertThat(int8.bytesAfter()).isGreaterThan(nf4.bytesAfter());
        assertThat(int8.meanAbsError()).isLessThan(nf4.meanAbsError());
        EngineCheck.assertLoadsAsQuantizedVariant(STORE.blob(int8.quantizedModel().digest()), baseDir, "int8");
    }

    @Test
    void aCorruptModelBlobFailsWithAClearReasonAndIsNotRetried() throws Exception {
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        ArtifactRef base = STORE.registerBaseModelBlob("corrupt", STORE.putBlob(junk), null);
        int uploads = STORE.allUploads();

        QuantEvents.request("qreq-corrupt", base, "nf4");
        QuantizationOutcome outcome = QuantEvents.outcomeFor("qreq-corrupt");
        assertThat(outcome.status()).isEqualTo(QuantizationOutcome.Status.FAILED);
        assertThat(outcome.requestIds()).containsExactly("qreq-corrupt");
        assertThat(outcome.quantizedModel()).isNull();
        assertThat(outcome.error().code()).isEqualTo(QuantizationFailure.MODEL_UNREADABLE);
        assertThat(outcome.error().message()).contains(base.digest()).contains("not a readable model directory archive")
                .contains("not a ustar header");

        // the model's content is the problem: a new request is answered with the same failure, no second run
        QuantEvents.request("qreq-corrupt-again", base, "nf4");
        QuantizationOutcome again = QuantEvents.outcomeFor("qreq-corrupt-again");
        assertThat(again.error()).isEqualTo(outcome.error());
        assertThat(STORE.allUploads()).isEqualTo(uploads);
        given().get("/api/v1/quantizations/{digest}/{scheme}", base.digest(), "nf4").then().statusCode(200)
                .body("status", equalTo("failed"))
                .body("attempts", equalTo(1))
                .body("error.code", equalTo(QuantizationFailure.MODEL_UNREADABLE))
                .body("error_retryable", equalTo(false));
    }

    @Test
    void anAlreadyQuantizedModelIsRefusedAsUnsupported() throws Exception {
        Path quantized = TinyModels.scratch("prequantized").resolve("tiny-13-nf4");
        ModelQuantizer.quantize(TinyModels.model(13), QuantScheme.NF4, quantized);
        ArtifactRef base = STORE.registerBaseModel("tiny-13-nf4", quantized, null);

        QuantEvents.request("qreq-twice", base, "nf4-dq");
        QuantizationOutcome outcome = QuantEvents.outcomeFor("qreq-twice");
        assertThat(outcome.status()).isEqualTo(QuantizationOutcome.Status.FAILED);
        assertThat(outcome.error().code()).isEqualTo(QuantizationFailure.MODEL_UNSUPPORTED);
        assertThat(outcome.error().message()).contains(base.id()).contains("already quantized")
                .doesNotContain(System.getProperty("java.io.tmpdir"));
    }

    @Test
    void anUnknownBaseModelFailsAndASecondRequestTriesAgain() throws Exception {
        Path baseDir = TinyModels.model(14);
        String digest = DirectoryArchive.digest(baseDir);
        ArtifactRef unregistered = new ArtifactRef("model-tiny-14", digest);

        QuantEvents.request("qreq-too-early", unregistered, "nf4");
        QuantizationOutcome early = QuantEvents.outcomeFor("qreq-too-early");
        assertThat(early.status()).isEqualTo(QuantizationOutcome.Status.FAILED);
        assertThat(early.error().code()).isEqualTo(QuantizationFailure.BASE_MODEL_NOT_FOUND);
        assertThat(early.error().message()).contains("model-tiny-14").contains("POST /api/v1/base-models");

        assertThat(STORE.registerBaseModel("tiny-14", baseDir, null)).isEqualTo(unregistered);
        QuantEvents.request("qreq-in-time", unregistered, "nf4");
        QuantizationOutcome ok = QuantEvents.outcomeFor("qreq-in-time");
        assertThat(ok.status()).isEqualTo(QuantizationOutcome.Status.SUCCEEDED);
        assertThat(ok.requestIds()).containsExactly("qreq-in-time");
    }

    @Test
    void anUnknownSchemeIsRefusedOnTheOutcomeWithoutARow() {
        String digest = "sha256:" + "c".repeat(64);
        String sample = EventSamples.json(EventType.QUANTIZATION_REQUESTED)
                .replace("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", digest)
                .replace("qreq-1b2c3d", "qreq-fp4").replace("\"nf4-dq\"", "\"fp4\"");
        QuantEvents.publishRaw(digest + "/fp4", sample);

        QuantizationOutcome outcome = QuantEvents.outcomeFor("qreq-fp4");
        assertThat(outcome.status()).isEqualTo(QuantizationOutcome.Status.FAILED);
        assertThat(outcome.scheme()).isEqualTo("fp4");
        assertThat(outcome.error().code()).isEqualTo(QuantizationFailure.UNSUPPORTED_SCHEME);
        assertThat(outcome.error().message()).contains("'fp4'").contains("[nf4, nf4-dq, int8]");
        given().queryParam("base_digest", digest).get("/api/v1/quantizations").then().statusCode(200)
                .body("$", empty());
    }

    @Test
    void theGoldenSampleRequestIsUnderstood() {
        // the contract's sample names a base model the stand-in does not know: it is read, and answered
        QuantEvents.publishRaw("sample", EventSamples.json(EventType.QUANTIZATION_REQUESTED));
        QuantizationOutcome outcome = QuantEvents.outcomeFor("qreq-1b2c3d");
        assertThat(outcome.requestIds()).containsExactly("qreq-1b2c3d");
        assertThat(outcome.baseModel().id()).isEqualTo("model-5b1e2c");
        assertThat(outcome.error().code()).isEqualTo(QuantizationFailure.BASE_MODEL_NOT_FOUND);
        assertThat(outcome.scheme()).isEqualTo("nf4-dq");
    }
}
