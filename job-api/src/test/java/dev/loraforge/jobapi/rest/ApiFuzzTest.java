package dev.loraforge.jobapi.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.contracts.fuzz.FuzzRun;
import dev.loraforge.contracts.fuzz.RequestFuzzer;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.jobapi.support.FakeInferenceService;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A bounded, seeded fuzz of every job-api route with valid credentials: {@value #DEFAULT_REQUESTS} requests (or
 * {@code -Dfuzz.requests}) built from valid ones by mutating ids, query parameters, JSON values and types, bodies,
 * content types and multipart framing ({@link RequestFuzzer}). Every answer must be below 500, and every 4xx must
 * carry the error shape of its API: OpenAI's envelope on {@code /v1}, problem details on {@code /admin}. A failure
 * prints each offending request with its seed ({@code -Dfuzz.seed}) so that it replays exactly.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
@WithTestResource(FakeInferenceService.class)
class ApiFuzzTest {

    static final int DEFAULT_REQUESTS = 2400;

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    @Test
    void noRequestGetsA5xxAndEveryRefusalHasTheEnvelope() {
        long seed = Long.getLong("fuzz.seed", 20261206L);
        int count = Integer.getInteger("fuzz.requests", DEFAULT_REQUESTS);
        TestTenants.Tenant tenant = TestTenants.actAs(TestTenants.create("fuzz"));
        TestTenants.Tenant other = TestTenants.create("fuzz-other");
        Map<String, List<String>> known = knownIds(tenant, other);
        RestAssured.requestSpecification = null;

        RequestFuzzer fuzzer = new RequestFuzzer(new Random(seed), known, routes());
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        FuzzRun.Result result = FuzzRun.run(port, fuzzer, count, request -> Map.of("Authorization", "Bearer "
                + (request.route().path().startsWith("/admin") ? TestTenants.ADMIN_KEY : tenant.key())), ApiFuzzTest::judge);
        result.statuses().forEach((k, v) -> System.out.println("fuzz " + k + " x" + v));
        assertThat(result.failures()).as("seed " + seed + ", " + count + " requests").isEmpty();
        assertThat(result.routesServed()).as("routes whose valid requests were served").isGreaterThanOrEqualTo(20);
    }

    /** OpenAI's envelope on {@code /v1}, problem details on {@code /admin}. */
    static String judge(RequestFuzzer.FuzzRequest request, int status, String contentType, JsonNode json) {
        if (request.route().path().startsWith("/admin")) {
            return FuzzRun.problemDetails(status, contentType, json);
        }
        JsonNode error = json.path("error");
        if (!contentType.startsWith("application/json") || !error.path("message").isTextual()
                || error.path("message").asText().isBlank() || !error.path("type").isTextual() || !error.has("param")
                || !error.has("code")) {
            return "a " + status + " without OpenAI's error envelope";
        }
        return null;
    }

    /** Ids that exist, so that the fuzz reaches past the lookups: the caller's own and another tenant's. */
    private static Map<String, List<String>> knownIds(TestTenants.Tenant tenant, TestTenants.Tenant other) {
        String fileId = JobFlowTest.upload("{\"text\":\"hello\"}\n");
        String jobId = JobFlowTest.createJob(fileId);
        List<String> webhooks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            webhooks.add(RestAssured.given().contentType("application/json")
                    .body("{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"fine_tuning.job.succeeded\"]}")
                    .post("/v1/webhooks").then().statusCode(200).extract().path("id"));
        }
        TestTenants.actAs(other);
        String otherFile = JobFlowTest.upload("{\"text\":\"theirs\"}\n");
        String otherJob = JobFlowTest.createJob(otherFile);
        TestTenants.actAs(tenant);
        RestAssured.requestSpecification = null;
        String spareKey = RestAssured.given().auth().oauth2(TestTenants.ADMIN_KEY).contentType("application/json")
                .body("{\"name\":\"spare\"}").post("/admin/v1/tenants/{id}/api_keys", tenant.id())
                .then().statusCode(200).extract().path("id");
        TestTenants.actAs(tenant);
        Map<String, List<String>> known = new LinkedHashMap<>();
        known.put("fileId", List.of(fileId, otherFile));
        known.put("spareFileId", List.of(JobFlowTest.upload("{\"text\":\"spare 1\"}\n"),
                JobFlowTest.upload("{\"text\":\"spare 2\"}\n"), otherFile)); // deleted by the fuzz
        known.put("jobId", List.of(jobId, otherJob));
        known.put("webhookId", webhooks.subList(0, 1)); // kept, so that the routes of a webhook are reached
        known.put("spareWebhookId", webhooks.subList(1, webhooks.size())); // deleted by the fuzz
        known.put("model", List.of(StandInArtifactStore.BASE_MODEL, "ft:" + StandInArtifactStore.BASE_MODEL + ":x:" + jobId));
        known.put("tenantId", List.of(tenant.id(), other.id()));
        known.put("keyId", List.of(spareKey));
        RestAssured.requestSpecification = null;
        known.put("uploadId", List.of(RestAssured.given().auth().oauth2(TestTenants.ADMIN_KEY).contentType("application/json")
                .body("{\"name\":\"fz/upload\",\"bytes\":64}").post("/admin/v1/model_uploads")
                .then().statusCode(200).extract().<String>path("id")));
        TestTenants.actAs(tenant);
        return known;
    }

    /** Every route of job-api with a valid request of each; {@code {name}} path segments take known ids. */
    private static List<RequestFuzzer.Route> routes() {
        String job = "{\"model\":\"tiny-llama\",\"training_file\":\"{fileId}\",\"validation_file\":\"{fileId}\","
                + "\"hyperparameters\":{\"n_epochs\":1,\"batch_size\":2,\"learning_rate_multiplier\":0.5},"
                + "\"suffix\":\"fz\",\"seed\":3,\"method\":{\"type\":\"supervised\",\"supervised\":{\"hyperparameters\":"
                + "{\"n_epochs\":\"auto\"}}},\"adapter\":{\"type\":\"lora\",\"r\":4,\"alpha\":8,\"dropout\":0.1,"
                + "\"target_modules\":[\"q_proj\",\"v_proj\"],\"use_rslora\":false},\"chat_template_kwargs\":"
                + "{\"enable_thinking\":false},\"metadata\":{\"team\":\"fuzz\"},\"integrations\":[]}";
        String chat = "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":8,\"temperature\":0.7,\"top_p\":0.9,"
                + "\"seed\":1,\"stop\":[\"\\n\"],\"stream\":false}";
        String completion = "{\"model\":\"tiny-llama\",\"prompt\":\"Once\",\"max_tokens\":8,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}";
        List<String> page = List.of("after", "limit");
        return List.of(
                RequestFuzzer.Route.multipart("POST", "/v1/files"),
                RequestFuzzer.Route.of("GET", "/v1/files/{fileId}", List.of(), null),
                RequestFuzzer.Route.of("GET", "/v1/files", List.of("purpose", "after", "limit", "order"), null),
                RequestFuzzer.Route.of("GET", "/v1/files/{fileId}/content", List.of(), null),
                RequestFuzzer.Route.of("DELETE", "/v1/files/{spareFileId}", List.of(), null),
                RequestFuzzer.Route.of("POST", "/v1/fine_tuning/jobs", List.of(), job),
                RequestFuzzer.Route.of("POST", "/v1/fine_tuning/jobs", List.of(),
                        job.substring(0, job.length() - 1) + ",\"dry_run\":true}"),
                RequestFuzzer.Route.of("GET", "/v1/fine_tuning/jobs", List.of("after", "limit", "metadata[team]", "metadata"), null),
                RequestFuzzer.Route.of("GET", "/v1/fine_tuning/jobs/{jobId}", List.of(), null),
                RequestFuzzer.Route.of("POST", "/v1/fine_tuning/jobs/{jobId}/cancel", List.of(), null),
                RequestFuzzer.Route.of("POST", "/v1/fine_tuning/jobs/{jobId}/pause", List.of(), null),
                RequestFuzzer.Route.of("POST", "/v1/fine_tuning/jobs/{jobId}/resume", List.of(), null),
                RequestFuzzer.Route.of("GET", "/v1/fine_tuning/jobs/{jobId}/events", page, null),
                // a stream of an existing job stays open: only refusals are fuzzed here (JobEventStreamTest has the rest)
                RequestFuzzer.Route.refusalsOnly("GET", "/v1/fine_tuning/jobs/{jobId}/events/stream", List.of("after")),
                RequestFuzzer.Route.of("GET", "/v1/fine_tuning/jobs/{jobId}/checkpoints", page, null),
                RequestFuzzer.Route.of("GET", "/v1/fine_tuning/jobs/{jobId}/adapter", List.of("format=gguf"), null)
                        .withHeaders(Map.of("Range", "bytes=0-99")),
                RequestFuzzer.Route.of("GET", "/v1/fine_tuning/jobs/{jobId}/lineage", List.of(), null),
                RequestFuzzer.Route.of("GET", "/v1/models", List.of(), null),
                RequestFuzzer.Route.of("GET", "/v1/models/{model}", List.of(), null),
                RequestFuzzer.Route.of("DELETE", "/v1/models/{model}", List.of(), null),
                RequestFuzzer.Route.of("POST", "/v1/chat/completions", List.of(), chat),
                RequestFuzzer.Route.of("POST", "/v1/completions", List.of(), completion),
                RequestFuzzer.Route.of("POST", "/v1/webhooks", List.of(), "{\"url\":\"http://127.0.0.1:9/h\","
                        + "\"events\":[\"fine_tuning.job.failed\"],\"description\":\"fz\"}"),
                RequestFuzzer.Route.of("GET", "/v1/webhooks", page, null),
                RequestFuzzer.Route.of("GET", "/v1/webhooks/{webhookId}", List.of(), null),
                RequestFuzzer.Route.of("POST", "/v1/webhooks/{webhookId}/rotate_secret", List.of(), "{\"grace_period_seconds\":60}"),
                RequestFuzzer.Route.of("GET", "/v1/webhooks/{webhookId}/deliveries", page, null),
                RequestFuzzer.Route.of("DELETE", "/v1/webhooks/{spareWebhookId}", List.of(), null),
                RequestFuzzer.Route.of("POST", "/admin/v1/tenants", List.of(), "{\"name\":\"fz\",\"max_running_jobs\":2,"
                        + "\"max_queued_jobs\":50,\"max_file_bytes\":1048576}"),
                RequestFuzzer.Route.of("GET", "/admin/v1/tenants", List.of(), null),
                RequestFuzzer.Route.of("POST", "/admin/v1/tenants/{tenantId}/api_keys", List.of(), "{\"name\":\"k\"}"),
                RequestFuzzer.Route.of("GET", "/admin/v1/tenants/{tenantId}/api_keys", List.of(), null),
                RequestFuzzer.Route.of("DELETE", "/admin/v1/api_keys/{keyId}", List.of(), null),
                RequestFuzzer.Route.of("GET", "/admin/v1/audit_events", List.of("tenant_id", "after", "limit"), null),
                RequestFuzzer.Route.of("POST", "/admin/v1/models", List.of(), "{\"name\":\"fz-import\",\"path\":\"/models/fz\"}"),
                RequestFuzzer.Route.of("GET", "/admin/v1/models", List.of(), null),
                RequestFuzzer.Route.of("POST", "/admin/v1/model_uploads", List.of(), "{\"name\":\"fz/model\",\"bytes\":32,"
                        + "\"filename\":\"m.tar\",\"revision\":\"r1\"}"),
                RequestFuzzer.Route.of("GET", "/admin/v1/model_uploads/{uploadId}", List.of(), null),
                RequestFuzzer.Route.raw("POST", "/admin/v1/model_uploads/{uploadId}/parts", "application/octet-stream"),
                RequestFuzzer.Route.multipart("POST", "/admin/v1/model_uploads/{uploadId}/parts"),
                RequestFuzzer.Route.of("POST", "/admin/v1/model_uploads/{uploadId}/complete", List.of(),
                        "{\"part_ids\":[\"part-1\"]}"),
                RequestFuzzer.Route.of("POST", "/admin/v1/model_uploads/{uploadId}/cancel", List.of(), null));
    }
}
