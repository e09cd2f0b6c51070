package dev.loraforge.artifacts.messaging;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.artifacts.OperatorToken;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.loraforge.events.EventEnvelope;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventSamples;
import dev.loraforge.events.EventType;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.Topics;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import dev.loraforge.kafka.TopicProbe;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The real broker delivers job outcomes to the store, which records them in PostgreSQL once. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class JobOutcomeConsumerTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static void publish(String key, String value) {
        new TopicProbe(KafkaBrokerResource.broker().bootstrapServers()).publish(Topics.JOB_OUTCOME, key, value);
    }

    @Test
    void goldenOutcomeIsRecordedOnceEvenWhenRedelivered() {
        String jobId = "ftjob-" + UUID.randomUUID().toString().replace("-", "");
        String json = EventSamples.json(EventType.JOB_OUTCOME).replace("ftjob-7d2f0c4a9b3e4f51a2c6d8e0", jobId);
        EventEnvelope<JobOutcome> sample = EventCodec.decode(json, JobOutcome.class);

        publish(jobId, "this is not an event");
        publish(jobId, json);
        publish(jobId, json);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/jobs/{id}/outcomes", jobId).then().statusCode(200)
                        .body("$", hasSize(1))
                        .body("[0].status", equalTo("succeeded"))
                        .body("[0].attempt", equalTo(1))
                        .body("[0].adapter_id", equalTo(sample.data().adapter().id()))
                        .body("[0].adapter_digest", equalTo(sample.data().adapter().digest()))
                        .body("[0].engine_version", equalTo("0.1.0")));
    }

    @Test
    void unknownJobIsNotFound() {
        given().get("/api/v1/jobs/{id}/outcomes", "ftjob-none").then().statusCode(404);
    }
}
