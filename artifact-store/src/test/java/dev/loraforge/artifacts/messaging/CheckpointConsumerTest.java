package dev.loraforge.artifacts.messaging;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.artifacts.OperatorToken;
import static dev.loraforge.artifacts.testing.Registry.artifact;
import static dev.loraforge.artifacts.testing.Registry.baseModel;
import static dev.loraforge.artifacts.testing.Registry.blob;
import static dev.loraforge.artifacts.testing.Registry.create;
import static dev.loraforge.artifacts.testing.Registry.dataset;
import static dev.loraforge.artifacts.testing.Registry.unique;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventEnvelope;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.Topics;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.kafka.TopicProbe;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CheckpointSaved events from the real broker are checked against the registry. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class CheckpointConsumerTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static void publish(String topic, String key, EventEnvelope<?> event) {
        new TopicProbe(KafkaBrokerResource.broker().bootstrapServers()).publish(topic, key, EventCodec.encode(event));
    }

    private static EventEnvelope<CheckpointSaved> saved(String job, int step, String id, String digest) {
        return EventCodec.envelope("/loraforge/trainer-service/worker-1", job, new CheckpointSaved(job, 1, "worker-1",
                step, new ArtifactRef(id, digest), Map.of("train_loss", 1.5)));
    }

    @Test
    void aRegisteredCheckpointIsVerifiedAndAnUnknownOneLeavesAWarning() {
        String tenant = "tenant-" + unique();
        String job = "ftjob-" + unique();
        String base = baseModel("b-" + unique());
        String train = dataset(tenant, "train");
        String digest = blob("checkpoint bytes " + job);
        String ckpt = create(artifact("checkpoint", "step-10", digest, tenant, job, Map.of("step", 10),
                base, "base_model", train, "trained_on"));
        EventEnvelope<CheckpointSaved> good = saved(job, 10, ckpt, digest);
        String missingDigest = "sha256:" + "7".repeat(64);

        publish(Topics.CHECKPOINTS, job, good);
        publish(Topics.CHECKPOINTS, job, good); // redelivered: recorded once
        publish(Topics.CHECKPOINTS, job, saved(job, 20, "ckpt-never-registered", missingDigest));
        publish(Topics.CHECKPOINTS, job, saved(job, 30, ckpt, missingDigest));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/jobs/{id}/checkpoints", job).then().statusCode(200)
                        .body("$", hasSize(3))
                        .body("find { it.step == 10 }.verified", equalTo(true))
                        .body("find { it.step == 10 }.checkpoint_id", equalTo(ckpt))
                        .body("find { it.step == 10 }.metrics.train_loss", equalTo(1.5f))
                        .body("find { it.step == 20 }.verified", equalTo(false))
                        .body("find { it.step == 20 }.problem", containsString("ckpt-never-registered is not registered"))
                        .body("find { it.step == 30 }.problem", containsString("registered with digest " + digest)));
        given().get("/api/v1/warnings?job_id={j}", job).then().statusCode(200)
                .body("$", hasSize(2))
                .body("topic", equalTo(java.util.List.of(Topics.CHECKPOINTS, Topics.CHECKPOINTS)))
                .body("find { it.artifact_id == 'ckpt-never-registered' }.digest", equalTo(missingDigest));
    }

    @Test
    void anOutcomeNamingAnUnregisteredAdapterLeavesAWarning() {
        String job = "ftjob-" + unique();
        String digest = "sha256:" + "5".repeat(64);
        publish(Topics.JOB_OUTCOME, job, EventCodec.envelope("/loraforge/trainer-service/worker-1", job,
                new JobOutcome(job, 1, "worker-1", JobOutcome.Status.SUCCEEDED, new ArtifactRef("adapter-ghost", digest),
                        100L, Map.of(), "0.1.0", null)));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/warnings?job_id={j}", job).then().statusCode(200)
                        .body("$", hasSize(1))
                        .body("[0].topic", equalTo(Topics.JOB_OUTCOME))
                        .body("[0].problem", containsString("adapter adapter-ghost is not registered")));
        given().get("/api/v1/jobs/{id}/outcomes", job).then().statusCode(200).body("[0].adapter_id", equalTo("adapter-ghost"));
    }

    @Test
    void aJobWithoutCheckpointEventsIsNotFound() {
        given().get("/api/v1/jobs/{id}/checkpoints", "ftjob-none").then().statusCode(404)
                .contentType("application/problem+json");
    }
}
