package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.engine.settings.JobSettings;
import dev.loraforge.events.ErrorInfo;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.Hyperparameters;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.JobProgress;
import dev.loraforge.events.MethodSpec;
import dev.loraforge.events.Topics;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.kafka.TopicProbe;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Upload, create, dispatch through the outbox to the real broker, and the job's life driven by
 * progress and outcome events read back from the broker.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class JobFlowTest {

    @BeforeEach
    void tenant() {
        TestTenants.actAs(TestTenants.create("t"));
    }

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    static final String DATA = """
            {"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Ahoy!"}]}
            {"messages":[{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris"}]}
            """;

    private final TopicProbe kafka = new TopicProbe(KafkaBrokerResource.broker().bootstrapServers());

    static String upload(String content) {
        return given().multiPart("purpose", "fine-tune")
                .multiPart("file", "train.jsonl", content.getBytes(StandardCharsets.UTF_8), "application/jsonl")
                .post("/v1/files").then().statusCode(200)
                .body("object", equalTo("file"))
                .body("id", startsWith("file-"))
                .extract().path("id");
    }

    static String createJob(String fileId) {
        return given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"training_file\":\"" + fileId + "\","
                        + "\"hyperparameters\":{\"n_epochs\":2},\"suffix\":\"pirate\",\"seed\":7}")
                .post("/v1/fine_tuning/jobs").then().statusCode(200)
                .body("object", equalTo("fine_tuning.job"))
                .body("status", equalTo("queued"))
                .body("hyperparameters.n_epochs", equalTo(2))
                .body("hyperparameters.batch_size", equalTo(4))
                .body("seed", equalTo(7))
                .body("adapter.type", equalTo("lora"))
                .extract().path("id");
    }

    @Test
    void chatTemplateKwargsAreEchoedAndTravelWithTheDispatch() throws Exception {
        String fileId = upload(DATA);
        String jobId = given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"training_file\":\"" + fileId + "\","
                        + "\"chat_template_kwargs\":{\"enable_thinking\":false,\"persona\":\"pirate\"}}")
                .post("/v1/fine_tuning/jobs").then().statusCode(200)
                .body("chat_template_kwargs.enable_thinking", equalTo(false))
                .body("chat_template_kwargs.persona", equalTo("pirate"))
                .extract().path("id");
        given().get("/v1/fine_tuning/jobs/{id}", jobId).then().statusCode(200)
                .body("chat_template_kwargs.enable_thinking", equalTo(false));
        List<String> dispatched = kafka.await(Topics.JOB_DISPATCH, v -> v.contains(jobId), 1, Duration.ofSeconds(30));
        JobDispatched job = EventCodec.decode(dispatched.get(0), JobDispatched.class).data();
        assertThat(job.chatTemplateKwargs()).containsEntry("enable_thinking", false).containsEntry("persona", "pirate")
                .hasSize(2);
    }

    @Test
    void jobIsDispatchedThroughTheOutboxAndFollowsItsEvents() throws Exception {
        String fileId = upload(DATA);
        String jobId = createJob(fileId);

        List<String> dispatched = kafka.await(Topics.JOB_DISPATCH, v -> v.contains(jobId), 1, Duration.ofSeconds(30));
        assertThat(dispatched).hasSize(1);
        JobDispatched job = EventCodec.decode(dispatched.get(0), JobDispatched.class).data();
        String digest = "sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(DATA.getBytes(StandardCharsets.UTF_8)));
        assertThat(job.trainingFile().digest()).isEqualTo(digest);
        JsonNode dataset = StandInArtifactStore.STORE.artifact(job.trainingFile().id());
        assertThat(dataset.path("kind").asText()).isEqualTo("dataset");
        assertThat(dataset.path("metadata").path("file_id").asText()).isEqualTo(fileId);
        assertThat(dataset.path("metadata").path("examples").asInt()).isEqualTo(2);
        assertThat(new String(StandInArtifactStore.STORE.blobBytes(digest), StandardCharsets.UTF_8)).isEqualTo(DATA);
        assertThat(job.baseModel().id()).isEqualTo(StandInArtifactStore.BASE_ID);
        assertThat(job.baseModel().digest()).isEqualTo(StandInArtifactStore.BASE_DIGEST);
        assertThat(job.hyperparameters().nEpochs()).isEqualTo(2);
        // no adapter and no other hyperparameters were given: the dispatch carries every default, resolved here
        assertThat(job.method()).isEqualTo(new MethodSpec(JobSettings.LORA, JobSettings.DEFAULT_R,
                JobSettings.defaultAlpha(JobSettings.DEFAULT_R), JobSettings.DEFAULT_DROPOUT, List.of("q_proj", "v_proj"),
                false, null, null));
        assertThat(job.method().alpha()).as("the documented default, 2 r").isEqualTo(16.0);
        assertThat(job.hyperparameters()).isEqualTo(new Hyperparameters(2, JobSettings.DEFAULT_BATCH_SIZE,
                JobSettings.BASE_LEARNING_RATE, JobSettings.SEQ_LEN, JobSettings.WARMUP_RATIO, "cosine",
                JobSettings.GRADIENT_ACCUMULATION, 1));
        assertThat(job.seed()).isEqualTo(7);
        assertThat(job.attempt()).isEqualTo(1);
        assertThat(job.chatTemplateKwargs()).as("none given").isNull();

        publish(new JobProgress(jobId, 1, "w1", JobProgress.Kind.STARTED, 0, null, null, null, null, 0L, null, null, "go"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().get("/v1/fine_tuning/jobs/{id}", jobId).then().body("status", equalTo("running")));

        publish(new JobProgress(jobId, 1, "w1", JobProgress.Kind.STEP, 3, 10, 2.5, 1e-4, 900.0, 3072L, 12.0, null, null));
        // a stale attempt's outcome must not end the job
        publishOutcome(new JobOutcome(jobId, 2, "w2", JobOutcome.Status.FAILED, null, 1L, null, "x",
                new ErrorInfo("stale", "stale attempt")));
        publishOutcome(new JobOutcome(jobId, 1, "w1", JobOutcome.Status.FAILED, null, 4096L, null, "0.1.0",
                new ErrorInfo("out_of_memory", "the worker ran out of memory")));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().get("/v1/fine_tuning/jobs/{id}", jobId).then()
                        .body("status", equalTo("failed"))
                        .body("error.code", equalTo("out_of_memory"))
                        .body("trained_tokens", equalTo(4096)));
        given().get("/v1/fine_tuning/jobs/{id}/events", jobId).then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data.message", hasItem("Step 3/10: training loss=2.5000"))
                .body("data.type", hasItem("metrics"))
                .body("data[0].message", startsWith("The job failed"));

        // after the end nothing changes the status again; late progress of the attempt is still logged
        publishOutcome(new JobOutcome(jobId, 1, "w1", JobOutcome.Status.CANCELLED, null, 1L, null, "0.1.0", null));
        publish(new JobProgress(jobId, 1, "w1", JobProgress.Kind.STEP, 4, 10, 2.25, 1e-4, 900.0, 5000L, 1.0, null, null));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().get("/v1/fine_tuning/jobs/{id}/events", jobId).then()
                        .body("data.message", hasItem("Step 4/10: training loss=2.2500")));
        given().get("/v1/fine_tuning/jobs/{id}", jobId).then()
                .body("status", equalTo("failed"))
                .body("trained_tokens", equalTo(4096));

        // events page by cursor as OpenAI's SDKs walk them: newest first, `after` = last id of a page
        List<String> all = given().get("/v1/fine_tuning/jobs/{id}/events?limit=100", jobId).then().statusCode(200)
                .body("has_more", equalTo(false)).extract().path("data.id");
        assertThat(all).hasSizeGreaterThan(4).doesNotHaveDuplicates();
        List<String> walked = new java.util.ArrayList<>();
        String after = null;
        boolean more = true;
        while (more) {
            var page = given().queryParam("limit", 2).queryParams(after == null ? java.util.Map.of() : java.util.Map.of("after", after))
                    .get("/v1/fine_tuning/jobs/{id}/events", jobId).then().statusCode(200).extract();
            List<String> ids = page.path("data.id");
            assertThat(ids).hasSizeBetween(1, 2);
            walked.addAll(ids);
            more = page.path("has_more");
            after = ids.get(ids.size() - 1);
            assertThat(walked.size()).as("pagination ends").isLessThanOrEqualTo(all.size());
        }
        assertThat(walked).isEqualTo(all);
        // the oldest event is the create's, made from the job (not stored): a cursor like any other
        String created = "ftevent-" + jobId.substring("ftjob-".length());
        given().get("/v1/fine_tuning/jobs/{id}/events?limit=100", jobId).then()
                .body("data[-1].id", equalTo(created))
                .body("data[-1].message", equalTo("Created fine-tuning job: " + jobId))
                .body("data[-1].level", equalTo("info"))
                .body("data[-1].created_at", equalTo(given().get("/v1/fine_tuning/jobs/{id}", jobId).then()
                        .extract().<Integer>path("created_at")));
        given().get("/v1/fine_tuning/jobs/{id}/events?after=" + created, jobId).then().statusCode(200)
                .body("data", org.hamcrest.Matchers.empty()).body("has_more", equalTo(false));
        given().get("/v1/fine_tuning/jobs/{id}/events?after=" + all.get(all.size() - 2) + "&limit=1", jobId).then()
                .statusCode(200).body("data.id", contains(created)).body("has_more", equalTo(false));
        given().get("/v1/fine_tuning/jobs/{id}/events?after=ftevent-nope", jobId).then().statusCode(404)
                .body("error.param", equalTo("after"));
        String other = createJob(fileId);
        given().get("/v1/fine_tuning/jobs/{id}/events?after=ftevent-" + other.substring("ftjob-".length()), jobId)
                .then().statusCode(404).body("error.param", equalTo("after"));
    }

    private void publish(JobProgress progress) {
        kafka.publish(Topics.JOB_PROGRESS, progress.jobId(),
                EventCodec.encode(EventCodec.envelope("/test", progress.jobId(), progress)));
    }

    private void publishOutcome(JobOutcome outcome) {
        kafka.publish(Topics.JOB_OUTCOME, outcome.jobId(),
                EventCodec.encode(EventCodec.envelope("/test", outcome.jobId(), outcome)));
    }
}
