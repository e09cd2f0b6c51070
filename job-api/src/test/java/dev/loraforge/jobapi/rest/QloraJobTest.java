package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.ErrorInfo;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.QuantizationOutcome;
import dev.loraforge.events.QuantizationRequested;
import dev.loraforge.events.Topics;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.kafka.TopicProbe;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A QLoRA job waits, visibly, for its quantized base, then trains on it; or fails with the reason. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class QloraJobTest {

    private final TopicProbe kafka = new TopicProbe(KafkaBrokerResource.broker().bootstrapServers());

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    private static String createQlora(String file, String scheme) {
        return given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"training_file\":\"" + file + "\",\"adapter\":{\"type\":\"qlora\",\"quantization\":\""
                        + scheme + "\"}}")
                .post("/v1/fine_tuning/jobs").then().statusCode(200)
                .body("status", equalTo("queued"))
                .body("status_detail", equalTo("waiting_for_quantization"))
                .body("adapter.quantization", equalTo(scheme))
                .extract().path("id");
    }

    private void publish(QuantizationOutcome outcome) {
        String key = outcome.baseModel().digest() + "/" + outcome.scheme();
        kafka.publish(Topics.QUANT_OUTCOME, key, EventCodec.encode(EventCodec.envelope("/test", key, outcome)));
    }

    @Test
    void waitsForTheQuantizedBaseThenIsDispatchedWithIt() {
        TestTenants.actAs(TestTenants.create("qlora"));
        String job = createQlora(JobFlowTest.upload("{\"text\":\"a\"}\n"), "int8");

        List<String> requests = kafka.await(Topics.QUANT_REQUEST, v -> v.contains(job), 1, Duration.ofSeconds(20));
        QuantizationRequested request = EventCodec.decode(requests.get(0), QuantizationRequested.class).data();
        assertThat(request.baseModel().digest()).isEqualTo(StandInArtifactStore.BASE_DIGEST);
        assertThat(request.scheme()).isEqualTo("int8");
        assertThat(kafka.await(Topics.JOB_DISPATCH, v -> v.contains(job), 1, Duration.ofSeconds(2))).isEmpty();

        ArtifactRef quantized = new ArtifactRef("qmodel-int8", "sha256:" + "8".repeat(64));
        publish(new QuantizationOutcome(List.of(request.requestId()), request.baseModel(), "int8",
                QuantizationOutcome.Status.SUCCEEDED, quantized, 1000L, 300L, 0.01, 5L, "0.1.0", null, request.tenantId()));
        List<String> dispatched = kafka.await(Topics.JOB_DISPATCH, v -> v.contains(job), 1, Duration.ofSeconds(30));
        assertThat(EventCodec.decode(dispatched.get(0), JobDispatched.class).data().quantizedModel()).isEqualTo(quantized);
    }

    @Test
    void aFailedQuantizationFailsTheWaitingJobsWithTheReason() {
        TestTenants.actAs(TestTenants.create("qfail"));
        String job = createQlora(JobFlowTest.upload("{\"text\":\"a\"}\n"), "nf4");
        List<String> requests = kafka.await(Topics.QUANT_REQUEST, v -> v.contains(job), 1, Duration.ofSeconds(20));
        QuantizationRequested request = EventCodec.decode(requests.get(0), QuantizationRequested.class).data();
        publish(new QuantizationOutcome(List.of(request.requestId()), request.baseModel(), "nf4",
                QuantizationOutcome.Status.FAILED, null, null, null, null, null, "0.1.0",
                new ErrorInfo("unsupported_model", "config.json: model_type 'gpt2' is not a Llama-family model"),
                request.tenantId()));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().get("/v1/fine_tuning/jobs/{id}", job).then()
                        .body("status", equalTo("failed"))
                        .body("error.code", equalTo("quantization_failed")));
    }

    @Test
    void anUnknownSchemeIsRefused() {
        TestTenants.actAs(TestTenants.create("qbad"));
        String file = JobFlowTest.upload("{\"text\":\"a\"}\n");
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"training_file\":\"" + file + "\",\"adapter\":{\"type\":\"qlora\",\"quantization\":\"fp3\"}}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("adapter.quantization"));
    }
}
