package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.jobapi.support.FakeInferenceService;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code "dry_run": true} on job create: every check of a create, the datasets measured by inference-service (here a
 * stand-in that counts 10 tokens a line), steps and tokens derived the way the trainer counts them, the duration
 * estimated from finished jobs, and nothing created.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
@WithTestResource(FakeInferenceService.class)
class DryRunTest {

    @Inject
    JobRepository jobs;

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    private static String lines(int n, String extra) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("{\"text\":\"line ").append(i).append("\"}\n");
        }
        return b + extra;
    }

    @Test
    void aDpoDryRunCountsPreferencePairs() {
        TestTenants.actAs(TestTenants.create("dry-dpo"));
        long before = QuarkusTransaction.requiringNew().call(() -> jobs.count());
        String pairs = JobFlowTest.upload("{\"prompt\":\"Hi\",\"chosen\":\"Ahoy!\",\"rejected\":\"Hello.\"}\n".repeat(2)
                + "{\"prompt\":\"NOTHING fits\",\"chosen\":\"Ahoy!\",\"rejected\":\"Hello.\"}\n");
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"" + pairs
                        + "\",\"dry_run\":true,\"method\":{\"type\":\"dpo\",\"dpo\":{\"hyperparameters\":{\"n_epochs\":3,"
                        + "\"batch_size\":1,\"beta\":0.3}}}}")
                .post("/v1/fine_tuning/jobs").then().statusCode(200)
                .body("object", equalTo("fine_tuning.job.dry_run"))
                .body("method.type", equalTo("dpo"))
                .body("method.dpo.hyperparameters.beta", equalTo(0.3f))
                // the stand-in drops the NOTHING line: 2 pairs of 3, batch 1, 3 epochs
                .body("training.lines", equalTo(3))
                .body("training.examples", equalTo(2))
                .body("steps_per_epoch", equalTo(2))
                .body("total_steps", equalTo(6))
                .body("warnings", org.hamcrest.Matchers.hasItem(containsString("1 pair(s) of " + pairs)));
        // no pair keeps a response token: the job would fail, so the dry run says so on training_file
        String none = JobFlowTest.upload("{\"prompt\":\"NOTHING fits\",\"chosen\":\"Ahoy!\",\"rejected\":\"Hello.\"}\n");
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"" + none
                        + "\",\"dry_run\":true,\"method\":{\"type\":\"dpo\"}}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("training_file"))
                .body("error.message", containsString("No preference pair of " + none));
        assertThat(QuarkusTransaction.requiringNew().call(() -> jobs.count())).isEqualTo(before);
    }

    @Test
    void aDryRunMeasuresTheJobAndCreatesNothing() {
        TestTenants.actAs(TestTenants.create("dry"));
        String training = JobFlowTest.upload(lines(9, "{\"text\":\"a LONG one\"}\n{\"text\":\"NOTHING to learn\"}\n"));
        String validation = JobFlowTest.upload(lines(3, ""));
        String body = "{\"model\":\"tiny-llama\",\"training_file\":\"" + training + "\",\"validation_file\":\"" + validation
                + "\",\"hyperparameters\":{\"n_epochs\":3,\"batch_size\":4},\"chat_template_kwargs\":{\"enable_thinking\":false},"
                + "\"dry_run\":true}";
        JsonPath dry = given().contentType(ContentType.JSON).header("Idempotency-Key", "dry-1").body(body)
                .post("/v1/fine_tuning/jobs").then().statusCode(200)
                .body("object", equalTo("fine_tuning.job.dry_run"))
                .body("model", equalTo("tiny-llama"))
                .body("training_file", equalTo(training))
                .body("seq_len", equalTo(256))
                .body("hyperparameters.n_epochs", equalTo(3))
                .body("method.type", equalTo("supervised"))
                .body("adapter.type", equalTo("lora"))
                // 11 lines: 10 kept (one cut at 256 tokens), one dropped
                .body("training.lines", equalTo(11))
                .body("training.examples", equalTo(10))
                .body("training.truncated", equalTo(1))
                .body("training.dropped", equalTo(1))
                .body("training.tokens", equalTo(9 * 10 + 256))
                .body("validation.examples", equalTo(3))
                // the Hugging Face Trainer's count: ceil(10 / 4) = 3 updates an epoch
                .body("steps_per_epoch", equalTo(3))
                .body("total_steps", equalTo(9))
                .body("trained_tokens_per_epoch", equalTo(346))
                .body("trained_tokens", equalTo(3 * 346))
                .body("warnings", hasSize(2))
                .body("warnings[0]", containsString("cut"))
                .body("warnings[1]", containsString("left out"))
                .extract().jsonPath();
        assertThat(FakeInferenceService.lastStatsRequest.path("seq_len").asInt()).isEqualTo(256);
        assertThat(FakeInferenceService.lastStatsRequest.path("base_digest").asText()).isEqualTo(StandInArtifactStore.BASE_DIGEST);
        assertThat(FakeInferenceService.lastStatsRequest.path("chat_template_kwargs").path("enable_thinking").asBoolean(true))
                .isFalse();
        assertThat(dry.getString("estimated_duration_seconds")).isNull();
        // nothing created, and the idempotency key is still free
        given().get("/v1/fine_tuning/jobs").then().statusCode(200).body("data", hasSize(0));
        String created = given().contentType(ContentType.JSON).header("Idempotency-Key", "dry-1")
                .body(body.replace(",\"dry_run\":true", "")).post("/v1/fine_tuning/jobs").then().statusCode(200)
                .body("object", equalTo("fine_tuning.job")).extract().path("id");
        given().contentType(ContentType.JSON).body(body.replace("true}", "false}")).post("/v1/fine_tuning/jobs").then()
                .statusCode(200).body("object", equalTo("fine_tuning.job"));

        // once a job on this base has finished, its throughput estimates the duration
        QuarkusTransaction.requiringNew().run(() -> {
            JobEntity job = jobs.findById(created);
            job.status = "succeeded";
            job.tokensPerSecond = 173.0;
            job.finishedAt = OffsetDateTime.now();
        });
        given().contentType(ContentType.JSON).body(body).post("/v1/fine_tuning/jobs").then().statusCode(200)
                .body("estimate.tokens_per_second", equalTo(173.0f))
                .body("estimate.jobs", equalTo(1))
                .body("estimated_duration_seconds", equalTo((float) (Math.round(3 * 346 / 173.0 * 10) / 10.0)));
    }

    @Test
    void aDryRunRefusesWhatACreateRefuses() {
        TestTenants.actAs(TestTenants.create("dry-bad"));
        String training = JobFlowTest.upload(lines(2, ""));
        given().contentType(ContentType.JSON).body("{\"model\":\"no-such\",\"training_file\":\"" + training
                + "\",\"dry_run\":true}").post("/v1/fine_tuning/jobs").then().statusCode(404)
                .body("error.param", equalTo("model"));
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"file-none\",\"dry_run\":true}")
                .post("/v1/fine_tuning/jobs").then().statusCode(404).body("error.param", equalTo("training_file"));
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"" + training
                + "\",\"adapter\":{\"r\":0},\"dry_run\":true}").post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("adapter.r"));
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"" + training
                + "\",\"dry_run\":\"yes\"}").post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("dry_run"));
        // a file whose every example would be dropped: the job would fail, so the dry run says so
        String empty = JobFlowTest.upload("{\"text\":\"NOTHING\"}\n");
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"" + empty
                + "\",\"dry_run\":true}").post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("training_file")).body("error.message", containsString("would fail"));
        given().get("/v1/fine_tuning/jobs").then().statusCode(200).body("data", hasSize(0))
                .body("first_id", nullValue());
    }
}
