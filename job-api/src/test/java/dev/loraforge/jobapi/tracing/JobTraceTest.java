package dev.loraforge.jobapi.tracing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.Topics;
import dev.loraforge.events.platform.TraceContext;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.kafka.TopicProbe;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * One job's trace through job-api, on the real broker and database: the create request's W3C trace context is kept
 * with the job, its dispatch record carries it in the {@code traceparent} header, the trainer's outcome record
 * (published here as the trainer does, continuing the dispatch) is consumed in it, and the webhook of the ending is
 * sent in it; the spans job-api exported (in memory) share its trace id.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class JobTraceTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ADMIN_KEY = "test-admin-key";
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    InMemorySpanExporter spans;

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void createDispatchOutcomeAndWebhookShareTheCallersTrace() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/", ex -> {
            received.add(ex.getRequestHeaders().getFirst("traceparent"));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();
        try {
            String tenant = given().auth().oauth2(ADMIN_KEY).contentType(ContentType.JSON)
                    .body("{\"name\":\"trace-" + UUID.randomUUID().toString().substring(0, 8) + "\"}")
                    .post("/admin/v1/tenants").then().statusCode(200).extract().path("id");
            String key = given().auth().oauth2(ADMIN_KEY).contentType(ContentType.JSON).body("{\"name\":\"t\"}")
                    .post("/admin/v1/tenants/{id}/api_keys", tenant).then().statusCode(200).extract().path("key");
            given().auth().oauth2(key).contentType(ContentType.JSON)
                    .body("{\"url\":\"http://127.0.0.1:" + hook.getAddress().getPort() + "/hook\"}")
                    .post("/v1/webhooks").then().statusCode(200);
            String fileId = given().auth().oauth2(key).multiPart("purpose", "fine-tune")
                    .multiPart("file", "train.jsonl", ("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                            + "{\"role\":\"assistant\",\"content\":\"ahoy\"}]}\n").getBytes(StandardCharsets.UTF_8),
                            "application/jsonl")
                    .post("/v1/files").then().statusCode(200).extract().path("id");

            String traceId = hex(16);
            String jobId = given().auth().oauth2(key).contentType(ContentType.JSON)
                    .header("traceparent", "00-" + traceId + "-" + hex(8) + "-01")
                    .body("{\"model\":\"tiny-llama\",\"training_file\":\"" + fileId + "\"}")
                    .post("/v1/fine_tuning/jobs").then().statusCode(200).extract().path("id");

            // the dispatch, published later by the outbox relay's own thread, carries the create's trace
            TopicProbe probe = new TopicProbe(KafkaBrokerResource.broker().bootstrapServers());
            List<ConsumerRecord<String, String>> dispatched = probe.awaitRecords(Topics.JOB_DISPATCH,
                    v -> v.contains(jobId), 1, WAIT);
            assertThat(dispatched).hasSize(1);
            String dispatchParent = header(dispatched.get(0), "traceparent");
            assertThat(TraceContext.traceId(dispatchParent)).as("traceparent of the dispatch record").isEqualTo(traceId);
            assertThat(header(dispatched.get(0), "content-type")).startsWith("application/cloudevents+json");

            // the trainer's outcome continues the dispatch's trace (its span under the dispatch record's)
            String trainerSpan = "00-" + traceId + "-" + hex(8) + "-01";
            JobOutcome outcome = new JobOutcome(jobId, 1, "w1", JobOutcome.Status.SUCCEEDED,
                    new ArtifactRef("adapter-" + jobId, "sha256:" + "a".repeat(64)), 1234L, null, "0.1.0", null);
            probe.publish(Topics.JOB_OUTCOME, jobId,
                    EventCodec.encode(EventCodec.envelope("/loraforge/trainer-service/w1", jobId, outcome)),
                    Map.of("traceparent", trainerSpan));

            await().atMost(WAIT).until(() -> !received.isEmpty());
            assertThat(TraceContext.traceId(received.get(0))).as("traceparent the webhook receiver got").isEqualTo(traceId);

            // what job-api recorded of it: the create (server), the dispatch (producer), the outcome (consumer), the webhook
            await().atMost(WAIT).untilAsserted(() -> {
                List<SpanData> trace = spans.getFinishedSpanItems().stream()
                        .filter(s -> s.getTraceId().equals(traceId)).toList();
                assertThat(trace).extracting(SpanData::getKind)
                        .contains(SpanKind.SERVER, SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.CLIENT);
                assertThat(trace).extracting(SpanData::getName)
                        .anyMatch(n -> n.contains("/v1/fine_tuning/jobs"))
                        .contains("webhook fine_tuning.job.succeeded");
                assertThat(trace).filteredOn(s -> s.getKind() == SpanKind.PRODUCER).extracting(SpanData::getName)
                        .anyMatch(n -> n.contains(Topics.JOB_DISPATCH));
                assertThat(trace).filteredOn(s -> s.getKind() == SpanKind.CONSUMER).extracting(SpanData::getName)
                        .anyMatch(n -> n.contains(Topics.JOB_OUTCOME));
            });
        } finally {
            hook.stop(0);
        }
    }
}
