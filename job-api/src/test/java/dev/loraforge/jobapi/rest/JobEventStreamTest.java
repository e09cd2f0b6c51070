package dev.loraforge.jobapi.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.events.EventCodec;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.JobProgress;
import dev.loraforge.events.Topics;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.kafka.TopicProbe;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The live event stream (SSE): history, then new events as they commit, ending with the job. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class JobEventStreamTest {

    private final TopicProbe kafka = new TopicProbe(KafkaBrokerResource.broker().bootstrapServers());

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    /** SSE frames read from the stream: (id, event name, data). */
    record Frame(String id, String event, String data) {
    }

    static List<Frame> read(InputStream body) throws Exception {
        List<Frame> frames = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            StringBuilder data = new StringBuilder();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        frames.add(new Frame(id, event, data.toString()));
                    }
                    id = null;
                    event = null;
                    data.setLength(0);
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                }
            }
        }
        return frames;
    }

    /** A new job of the current tenant, once job-api has dispatched it. */
    private String dispatchedJob() {
        String jobId = JobFlowTest.createJob(JobFlowTest.upload("{\"text\":\"a\"}\n"));
        kafka.await(Topics.JOB_DISPATCH, v -> v.contains(jobId), 1, Duration.ofSeconds(30));
        return jobId;
    }

    private static URI streamOf(String jobId) {
        return URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/v1/fine_tuning/jobs/" + jobId + "/events/stream");
    }

    /** The frames of one client's stream, once it ends (after the job's final event). */
    private static CompletableFuture<List<Frame>> follow(HttpClient http, URI uri, String key) {
        return http.sendAsync(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + key)
                        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(r -> {
                    assertThat(r.statusCode()).isEqualTo(200);
                    try {
                        return read(r.body());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
    }

    @Test
    void streamSendsHistoryThenLiveEventsAndEndsWithTheJob() throws Exception {
        TestTenants.Tenant tenant = TestTenants.actAs(TestTenants.create("sse"));
        String jobId = dispatchedJob();
        URI uri = streamOf(jobId);
        HttpClient http = HttpClient.newHttpClient();
        CompletableFuture<List<Frame>> frames = follow(http, uri, tenant.key());
        for (int step = 1; step <= 3; step++) {
            JobProgress p = new JobProgress(jobId, 1, "w1", JobProgress.Kind.STEP, step, 3, 3.0 - step, 1e-4, 10.0,
                    10L * step, 1.0, null, null);
            kafka.publish(Topics.JOB_PROGRESS, jobId, EventCodec.encode(EventCodec.envelope("/t", jobId, p)));
        }
        // progress and outcomes travel on different topics: end the job once the steps are recorded
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
                io.restassured.RestAssured.given().get("/v1/fine_tuning/jobs/{id}/events", jobId).then().extract()
                        .<List<String>>path("data.message").contains("Step 3/3: training loss=0.0000"));
        JobOutcome end = new JobOutcome(jobId, 1, "w1", JobOutcome.Status.CANCELLED, null, 30L, null, "0.1.0", null);
        kafka.publish(Topics.JOB_OUTCOME, jobId, EventCodec.encode(EventCodec.envelope("/t", jobId, end)));

        List<Frame> got = frames.get(60, TimeUnit.SECONDS); // the stream ends by itself after the job ends
        assertThat(got).extracting(Frame::event).containsOnly("fine_tuning.job.event");
        assertThat(got.get(0).data()).contains("Created fine-tuning job: " + jobId);
        assertThat(got.get(0).id()).as("made from the job, not stored").isEqualTo("ftevent-" + jobId.substring(6));
        assertThat(got).extracting(Frame::data).anyMatch(d -> d.contains("Step 3/3"));
        assertThat(got.get(got.size() - 1).data()).contains("The job was cancelled");
        int second = 1;
        // reconnecting after the second event replays only what came after it
        List<Frame> rest = read(http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + tenant.key())
                .header("Last-Event-ID", got.get(second).id()).build(), HttpResponse.BodyHandlers.ofInputStream()).body());
        assertThat(rest).extracting(Frame::id).isEqualTo(got.subList(second + 1, got.size()).stream().map(Frame::id).toList());
        // and after the first, the create's own event, everything stored
        List<Frame> afterCreated = read(http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + tenant.key())
                .header("Last-Event-ID", got.get(0).id()).build(), HttpResponse.BodyHandlers.ofInputStream()).body());
        assertThat(afterCreated).extracting(Frame::id).isEqualTo(got.subList(1, got.size()).stream().map(Frame::id).toList());
    }

    @Test
    void manyStreamsOfOneJobShareReadsAndEachGetsEveryEventOnceInOrder() throws Exception {
        TestTenants.Tenant tenant = TestTenants.actAs(TestTenants.create("sse-many"));
        String jobId = dispatchedJob();
        URI uri = streamOf(jobId);
        HttpClient http = HttpClient.newHttpClient();
        int clients = 40;
        int steps = 30;
        List<CompletableFuture<List<Frame>>> streams = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            streams.add(follow(http, uri, tenant.key()));
        }
        // steps arrive while the streams are open, a few at a time (shared reads of the same cursor)
        for (int step = 1; step <= steps; step++) {
            JobProgress p = new JobProgress(jobId, 1, "w1", JobProgress.Kind.STEP, step, steps, 3.0 / step, 1e-4, 10.0,
                    10L * step, 1.0, null, null);
            kafka.publish(Topics.JOB_PROGRESS, jobId, EventCodec.encode(EventCodec.envelope("/t", jobId, p)));
            if (step % 5 == 0) {
                Thread.sleep(100);
            }
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                io.restassured.RestAssured.given().get("/v1/fine_tuning/jobs/{id}/events?limit=100", jobId).then().extract()
                        .<List<String>>path("data.message").stream().anyMatch(m -> m.startsWith("Step " + steps + "/")));
        JobOutcome end = new JobOutcome(jobId, 1, "w1", JobOutcome.Status.CANCELLED, null, 30L, null, "0.1.0", null);
        kafka.publish(Topics.JOB_OUTCOME, jobId, EventCodec.encode(EventCodec.envelope("/t", jobId, end)));

        streams.get(0).get(60, TimeUnit.SECONDS); // the streams end after the job's final event: all are recorded
        List<String> all = new ArrayList<>(io.restassured.RestAssured.given()
                .get("/v1/fine_tuning/jobs/{id}/events?limit=100", jobId).then().extract().<List<String>>path("data.id"));
        java.util.Collections.reverse(all); // the list is newest first; a stream sends oldest first
        for (CompletableFuture<List<Frame>> stream : streams) {
            List<Frame> got = stream.get(60, TimeUnit.SECONDS);
            assertThat(got).extracting(Frame::id).isEqualTo(all);
            assertThat(got.get(got.size() - 1).data()).contains("The job was cancelled");
        }
        assertThat(all).hasSizeGreaterThan(steps);
    }
}
