package dev.loraforge.jobapi.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.ErrorInfo;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.jobapi.service.JobUpdateService;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.jobapi.webhooks.Receiver.Answer;
import dev.loraforge.jobapi.webhooks.Receiver.Received;
import dev.loraforge.jobapi.webhooks.WebhookTestSupport.Endpoint;
import dev.loraforge.jobapi.webhooks.WebhookTestSupport.Tenant;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Job endings delivered to real HTTP receivers on 127.0.0.1 (allowed in the test profile), the
 * signatures checked as a receiver would, against the real database and broker.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class WebhookDeliveryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static Receiver receiver;

    @Inject
    JobUpdateService updates;
    @Inject
    WebhookConfig config;
    @Inject
    ObjectMapper json;

    @BeforeAll
    static void startReceiver() throws IOException {
        receiver = Receiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    private void succeed(String jobId) {
        updates.apply(new JobOutcome(jobId, 1, "w1", JobOutcome.Status.SUCCEEDED,
                new ArtifactRef("adapter-" + jobId, "sha256:" + "a".repeat(64)), 1234L, null, "0.1.0", null));
    }

    private void fail(String jobId) {
        updates.apply(new JobOutcome(jobId, 1, "w1", JobOutcome.Status.FAILED, null, 10L, null, "0.1.0",
                new ErrorInfo("out_of_memory", "the worker ran out of memory")));
    }

    private static void cancel(Tenant tenant, String jobId) {
        tenant.as().post("/v1/fine_tuning/jobs/{id}/cancel", jobId).then().statusCode(200);
    }

    private static JsonNode deliveries(Tenant tenant, Endpoint endpoint) {
        String body = tenant.as().get("/v1/webhooks/{id}/deliveries?limit=100", endpoint.id())
                .then().statusCode(200).extract().asString();
        try {
            return new ObjectMapper().readTree(body).path("data");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> items = new java.util.ArrayList<>();
        array.forEach(items::add);
        return items;
    }

    private static void awaitAll(Tenant tenant, Endpoint endpoint, int count, String status) {
        await().atMost(WAIT).untilAsserted(() -> {
            List<JsonNode> data = list(deliveries(tenant, endpoint));
            assertThat(data).hasSize(count);
            assertThat(data).allSatisfy(d -> assertThat(d.path("status").asText()).isEqualTo(status));
        });
    }

    private JsonNode body(Received r) throws IOException {
        return json.readTree(r.body());
    }

    @Test
    void endingsReachEachSubscribedEndpointOnceSignedAsStandardWebhooks() throws Exception {
        Tenant tenant = WebhookTestSupport.tenant("wh-end");
        Endpoint all = WebhookTestSupport.endpoint(tenant, receiver.newUrl(), null);
        Endpoint failedOnly = WebhookTestSupport.endpoint(tenant, receiver.newUrl(), "[\"fine_tuning.job.failed\"]");
        String ok = WebhookTestSupport.job(tenant);
        String bad = WebhookTestSupport.job(tenant);
        String stopped = WebhookTestSupport.job(tenant);

        succeed(ok);
        fail(bad);
        cancel(tenant, stopped);

        awaitAll(tenant, all, 3, "delivered");
        awaitAll(tenant, failedOnly, 1, "delivered");
        // delivered is final: these are all the requests there will be
        List<Received> toAll = receiver.at(all.url());
        List<Received> toFailedOnly = receiver.at(failedOnly.url());
        assertThat(toAll).hasSize(3);
        assertThat(toFailedOnly).hasSize(1);

        long now = Instant.now().getEpochSecond();
        for (Received r : toAll) {
            assertThat(StandardWebhooks.verifies(all.secret(), r)).as("signature with the endpoint's secret").isTrue();
            assertThat(StandardWebhooks.verifies(failedOnly.secret(), r)).as("another endpoint's secret").isFalse();
            assertThat(Long.parseLong(r.header("webhook-timestamp"))).isBetween(now - 300, now + 5);
            assertThat(r.header("content-type")).isEqualTo("application/json");
            assertThat(r.header("user-agent")).isEqualTo(config.userAgent());
            JsonNode event = body(r);
            assertThat(event.path("id").asText()).isEqualTo(r.header("webhook-id")).startsWith("evt_");
            assertThat(event.path("object").asText()).isEqualTo("event");
            assertThat(event.path("created_at").isIntegralNumber()).isTrue();
            assertThat(event.path("data").path("fine_tuning_job").path("object").asText()).isEqualTo("fine_tuning.job");
        }
        assertThat(toAll).extracting(r -> body(r).path("type").asText() + " " + body(r).path("data").path("id").asText())
                .containsExactlyInAnyOrder("fine_tuning.job.succeeded " + ok, "fine_tuning.job.failed " + bad,
                        "fine_tuning.job.cancelled " + stopped);
        Received failure = toFailedOnly.get(0);
        assertThat(StandardWebhooks.verifies(failedOnly.secret(), failure)).isTrue();
        JsonNode failedEvent = body(failure);
        assertThat(failedEvent.path("type").asText()).isEqualTo("fine_tuning.job.failed");
        assertThat(failedEvent.path("data").path("id").asText()).isEqualTo(bad);
        assertThat(failedEvent.path("data").path("fine_tuning_job").path("error").path("code").asText())
                .isEqualTo("out_of_memory");
        // one event, one id, on every endpoint
        Received sameEventOnAll = toAll.stream().filter(r -> r.text().contains("fine_tuning.job.failed")).findFirst().orElseThrow();
        assertThat(failure.header("webhook-id")).isEqualTo(sameEventOnAll.header("webhook-id"));

        // the delivery log, paged
        JsonNode log = deliveries(tenant, all);
        assertThat(list(log)).allSatisfy(d -> {
            assertThat(d.path("object").asText()).isEqualTo("webhook.delivery");
            assertThat(d.path("attempts").asInt()).isEqualTo(1);
            assertThat(d.path("last_response_status_code").asInt()).isEqualTo(200);
            assertThat(d.path("next_attempt_at").isNull()).isTrue();
            assertThat(d.path("attempt_log")).hasSize(1);
        });
        var first = tenant.as().get("/v1/webhooks/{id}/deliveries?limit=2", all.id()).then().statusCode(200).extract();
        assertThat((Boolean) first.path("has_more")).isTrue();
        String last = first.path("last_id");
        var rest = tenant.as().get("/v1/webhooks/{id}/deliveries?limit=2&after=" + last, all.id()).then().statusCode(200).extract();
        assertThat((Boolean) rest.path("has_more")).isFalse();
        assertThat((List<?>) rest.path("data")).hasSize(1);
    }

    @Test
    void serverErrorsAreRetriedWithGrowingBackoffUntilDelivered() throws Exception {
        Tenant tenant = WebhookTestSupport.tenant("wh-retry");
        Endpoint endpoint = WebhookTestSupport.endpoint(tenant, receiver.newUrl(), null);
        receiver.script(endpoint.url(), Answer.status(500), Answer.status(503), Answer.status(500));
        cancel(tenant, WebhookTestSupport.job(tenant));

        awaitAll(tenant, endpoint, 1, "delivered");
        JsonNode delivery = deliveries(tenant, endpoint).get(0);
        assertThat(delivery.path("attempts").asInt()).isEqualTo(4);
        List<JsonNode> attempts = list(delivery.path("attempt_log"));
        assertThat(attempts).extracting(a -> a.path("response_status_code").asInt()).containsExactly(500, 503, 500, 200);
        assertThat(attempts).extracting(a -> a.path("attempt").asInt()).containsExactly(1, 2, 3, 4);
        List<Received> got = receiver.at(endpoint.url());
        assertThat(got).hasSize(4);
        for (int i = 0; i < 3; i++) {
            // full jitter: a delay in [0, min(cap, base * 2^i)], and the next attempt waited at least that long
            long ceiling = Math.min(config.backoffCap().toMillis(), config.backoffBase().toMillis() << i);
            long delay = attempts.get(i).path("retry_delay_ms").asLong(-1);
            assertThat(delay).isBetween(0L, ceiling);
            long waited = (got.get(i + 1).receivedNanos() - got.get(i).receivedNanos()) / 1_000_000;
            assertThat(waited).isGreaterThanOrEqualTo(delay);
        }
        assertThat(attempts.get(3).path("retry_delay_ms").isNull()).isTrue();
        // the same event every time, signed anew for each attempt's timestamp
        assertThat(got).extracting(r -> r.header("webhook-id")).containsOnly(delivery.path("event_id").asText());
        assertThat(got).allSatisfy(r -> assertThat(StandardWebhooks.verifies(endpoint.secret(), r)).isTrue());
        assertThat(got).extracting(r -> Long.parseLong(r.header("webhook-timestamp"))).isSorted();
    }

    @Test
    void aReceiverThatIsDownIsRetriedUntilTheLastAttemptAndTheLogSaysWhy() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            deadPort = socket.getLocalPort();
        }
        Tenant tenant = WebhookTestSupport.tenant("wh-down");
        Endpoint endpoint = WebhookTestSupport.endpoint(tenant, "http://127.0.0.1:" + deadPort + "/hook", null);
        cancel(tenant, WebhookTestSupport.job(tenant));

        awaitAll(tenant, endpoint, 1, "failed");
        JsonNode delivery = deliveries(tenant, endpoint).get(0);
        int max = config.maxAttempts();
        assertThat(delivery.path("attempts").asInt()).isEqualTo(max);
        assertThat(delivery.path("last_error").asText()).contains("connection refused");
        assertThat(delivery.path("last_response_status_code").isNull()).isTrue();
        assertThat(delivery.path("next_attempt_at").isNull()).isTrue();
        assertThat(delivery.path("finished_at").isIntegralNumber()).isTrue();
        List<JsonNode> attempts = list(delivery.path("attempt_log"));
        assertThat(attempts).hasSize(max);
        assertThat(attempts).allSatisfy(a -> {
            assertThat(a.path("response_status_code").isNull()).isTrue();
            assertThat(a.path("error").asText()).contains("connection refused");
            assertThat(a.path("duration_ms").asLong(-1)).isNotNegative();
        });
        assertThat(attempts.subList(0, max - 1)).allSatisfy(a -> assertThat(a.path("retry_delay_ms").isIntegralNumber()).isTrue());
        assertThat(attempts.get(max - 1).path("retry_delay_ms").isNull()).isTrue();
    }

    @Test
    void aRolledBackEndingSendsNothing() throws Exception {
        Tenant tenant = WebhookTestSupport.tenant("wh-rollback");
        Endpoint endpoint = WebhookTestSupport.endpoint(tenant, receiver.newUrl(), null);
        String jobId = WebhookTestSupport.job(tenant);

        // the ending's transaction is marked rollback-only: committing it fails and rolls it back
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
            succeed(jobId);
            QuarkusTransaction.setRollbackOnly();
        })).isInstanceOf(io.quarkus.narayana.jta.QuarkusTransactionException.class);
        tenant.as().get("/v1/fine_tuning/jobs/{id}", jobId).then().statusCode(200)
                .body("status", org.hamcrest.Matchers.not(org.hamcrest.Matchers.equalTo("succeeded")));
        assertThat(list(deliveries(tenant, endpoint))).isEmpty();

        // the job really ends now: exactly that ending arrives, nothing of the rolled-back one
        fail(jobId);
        awaitAll(tenant, endpoint, 1, "delivered");
        List<Received> got = receiver.at(endpoint.url());
        assertThat(got).hasSize(1);
        assertThat(body(got.get(0)).path("type").asText()).isEqualTo("fine_tuning.job.failed");
    }

    @Test
    void aRotatedSecretKeepsSigningDuringItsGracePeriodOnly() throws Exception {
        Tenant tenant = WebhookTestSupport.tenant("wh-rotate");
        Endpoint during = WebhookTestSupport.endpoint(tenant, receiver.newUrl(), null);
        Endpoint after = WebhookTestSupport.endpoint(tenant, receiver.newUrl(), null);

        var rotatedDuring = tenant.as().contentType(ContentType.JSON).body("{\"grace_period_seconds\":3600}")
                .post("/v1/webhooks/{id}/rotate_secret", during.id()).then().statusCode(200).extract();
        String newDuring = rotatedDuring.path("secret");
        assertThat(newDuring).startsWith("whsec_").isNotEqualTo(during.secret());
        var rotatedAfter = tenant.as().contentType(ContentType.JSON).body("{\"grace_period_seconds\":1}")
                .post("/v1/webhooks/{id}/rotate_secret", after.id()).then().statusCode(200).extract();
        String newAfter = rotatedAfter.path("secret");
        long expires = ((Number) rotatedAfter.path("previous_secret_expires_at")).longValue();
        // the grace period has ended before the job does
        await().atMost(WAIT).until(() -> Instant.now().getEpochSecond() > expires + 1);

        cancel(tenant, WebhookTestSupport.job(tenant));
        awaitAll(tenant, during, 1, "delivered");
        awaitAll(tenant, after, 1, "delivered");

        Received inGrace = receiver.at(during.url()).get(0);
        assertThat(inGrace.header("webhook-signature").split(" ")).hasSize(2);
        assertThat(StandardWebhooks.verifies(newDuring, inGrace)).isTrue();
        assertThat(StandardWebhooks.verifies(during.secret(), inGrace)).isTrue();

        Received afterGrace = receiver.at(after.url()).get(0);
        assertThat(afterGrace.header("webhook-signature").split(" ")).hasSize(1);
        assertThat(StandardWebhooks.verifies(newAfter, afterGrace)).isTrue();
        assertThat(StandardWebhooks.verifies(after.secret(), afterGrace)).isFalse();

        // without a grace period the old secret stops at once
        String third = tenant.as().contentType(ContentType.JSON).body("{}")
                .post("/v1/webhooks/{id}/rotate_secret", during.id()).then().statusCode(200)
                .body("previous_secret_expires_at", org.hamcrest.Matchers.nullValue()).extract().path("secret");
        cancel(tenant, WebhookTestSupport.job(tenant));
        awaitAll(tenant, during, 2, "delivered");
        Received next = receiver.at(during.url()).get(1);
        assertThat(StandardWebhooks.verifies(third, next)).isTrue();
        assertThat(StandardWebhooks.verifies(newDuring, next)).isFalse();
        assertThat(StandardWebhooks.verifies(during.secret(), next)).isFalse();
    }

    @Test
    void aReceiverAnswering410DisablesItsEndpoint() {
        Tenant tenant = WebhookTestSupport.tenant("wh-gone");
        Endpoint endpoint = WebhookTestSupport.endpoint(tenant, receiver.newUrl(), null);
        receiver.script(endpoint.url(), Answer.status(410));
        cancel(tenant, WebhookTestSupport.job(tenant));

        awaitAll(tenant, endpoint, 1, "failed");
        tenant.as().get("/v1/webhooks/{id}", endpoint.id()).then().statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("disabled"))
                .body("status_reason", org.hamcrest.Matchers.containsString("410"));
        // a disabled endpoint gets no new deliveries
        cancel(tenant, WebhookTestSupport.job(tenant));
        Endpoint witness = WebhookTestSupport.endpoint(tenant, receiver.newUrl(), null);
        cancel(tenant, WebhookTestSupport.job(tenant));
        awaitAll(tenant, witness, 1, "delivered");
        assertThat(list(deliveries(tenant, endpoint))).hasSize(1);
        assertThat(receiver.at(endpoint.url())).hasSize(1);
    }
}
