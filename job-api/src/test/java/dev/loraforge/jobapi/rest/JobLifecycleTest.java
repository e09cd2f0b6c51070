package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.CheckpointSaved;
import dev.loraforge.events.EventCodec;
import dev.loraforge.events.EventHeaders;
import dev.loraforge.events.JobControl;
import dev.loraforge.events.JobDispatched;
import dev.loraforge.events.JobOutcome;
import dev.loraforge.events.JobProgress;
import dev.loraforge.events.Topics;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.kafka.TopicProbe;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The life of jobs beyond the happy path, against the real broker and database. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class JobLifecycleTest {

    private final TopicProbe kafka = new TopicProbe(KafkaBrokerResource.broker().bootstrapServers());

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    private static TestTenants.Tenant tenant(String name, int maxRunning) {
        TestTenants.Tenant any = TestTenants.create(name);
        RestAssured.requestSpecification = null;
        String tenantName = name + "x" + any.id().substring(any.id().length() - 6);
        String id = given().auth().oauth2(TestTenants.ADMIN_KEY).contentType(ContentType.JSON)
                .body("{\"name\":\"" + tenantName + "\",\"max_running_jobs\":" + maxRunning + "}")
                .post("/admin/v1/tenants").then().statusCode(200).extract().path("id");
        String key = given().auth().oauth2(TestTenants.ADMIN_KEY).contentType(ContentType.JSON).body("{}")
                .post("/admin/v1/tenants/{id}/api_keys", id).then().statusCode(200).extract().path("key");
        return new TestTenants.Tenant(id, key);
    }

    private JobDispatched awaitDispatch(String jobId, int attempt) {
        var found = kafka.awaitRecords(Topics.JOB_DISPATCH, v -> v.contains(jobId)
                && EventCodec.decode(v, JobDispatched.class).data().attempt() == attempt, 1, Duration.ofSeconds(30));
        assertThat(found).as("dispatch of " + jobId + " attempt " + attempt).hasSize(1);
        // structured-mode CloudEvents: the binding's content-type header, for consumers outside the platform
        assertThat(EventHeaders.isStructured(found.get(0).headers())).as("content-type header of " + found.get(0))
                .isTrue();
        return EventCodec.decode(found.get(0).value(), JobDispatched.class).data();
    }

    private boolean dispatched(String jobId, Duration within) {
        return !kafka.await(Topics.JOB_DISPATCH, v -> v.contains(jobId), 1, within).isEmpty();
    }

    private void progress(String jobId, int attempt, JobProgress.Kind kind, Integer step) {
        JobProgress p = new JobProgress(jobId, attempt, "w1", kind, step, 10, 1.0, 1e-4, 100.0, 100L, 5.0, null, null);
        kafka.publish(Topics.JOB_PROGRESS, jobId, EventCodec.encode(EventCodec.envelope("/test", jobId, p)));
    }

    private void progress(JobProgress p) {
        kafka.publish(Topics.JOB_PROGRESS, p.jobId(), EventCodec.encode(EventCodec.envelope("/test", p.jobId(), p)));
    }

    private void outcome(JobOutcome o) {
        kafka.publish(Topics.JOB_OUTCOME, o.jobId(), EventCodec.encode(EventCodec.envelope("/test", o.jobId(), o)));
    }

    private static String status(String jobId) {
        return given().get("/v1/fine_tuning/jobs/{id}", jobId).then().statusCode(200).extract().path("status");
    }

    @Test
    void dispatchIsFairAcrossTenantsAndRespectsRunningLimits() {
        TestTenants.Tenant busy = TestTenants.actAs(tenant("busy", 1));
        String file = JobFlowTest.upload("{\"text\":\"a\"}\n");
        List<String> busyJobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            busyJobs.add(JobFlowTest.createJob(file));
        }
        TestTenants.actAs(tenant("light", 1));
        String lightJob = JobFlowTest.createJob(JobFlowTest.upload("{\"text\":\"b\"}\n"));

        awaitDispatch(busyJobs.get(0), 1);
        awaitDispatch(lightJob, 1);
        assertThat(dispatched(busyJobs.get(1), Duration.ofSeconds(2))).isFalse();
        TestTenants.actAs(busy);
        given().get("/v1/fine_tuning/jobs/{id}", busyJobs.get(1)).then()
                .body("status", equalTo("queued")).body("status_detail", equalTo("waiting_for_capacity"));

        // the first job ends: its slot goes to the next job of the same tenant
        outcome(new JobOutcome(busyJobs.get(0), 1, "w1", JobOutcome.Status.CANCELLED, null, 1L, null, "0.1.0", null));
        awaitDispatch(busyJobs.get(1), 1);
        assertThat(dispatched(busyJobs.get(2), Duration.ofSeconds(2))).isFalse();
    }

    @Test
    void cancelEndsAtOnceAndTellsTheTrainerOnlyWhenItHasTheJob() {
        TestTenants.actAs(tenant("cancel", 1));
        String file = JobFlowTest.upload("{\"text\":\"a\"}\n");
        String running = JobFlowTest.createJob(file);
        String waiting = JobFlowTest.createJob(file);
        awaitDispatch(running, 1);
        progress(running, 1, JobProgress.Kind.STARTED, 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> "running".equals(status(running)));

        given().post("/v1/fine_tuning/jobs/{id}/cancel", waiting).then().statusCode(200).body("status", equalTo("cancelled"));
        given().post("/v1/fine_tuning/jobs/{id}/cancel", running).then().statusCode(200).body("status", equalTo("cancelled"));
        given().post("/v1/fine_tuning/jobs/{id}/cancel", running).then().statusCode(400)
                .body("error.message", startsWith("Cannot cancel"));

        List<String> controls = kafka.await(Topics.JOB_CONTROL, v -> v.contains(running), 1, Duration.ofSeconds(20));
        assertThat(EventCodec.decode(controls.get(0), JobControl.class).data().action()).isEqualTo(JobControl.Action.CANCEL);
        assertThat(kafka.await(Topics.JOB_CONTROL, v -> v.contains(waiting), 1, Duration.ofSeconds(2))).isEmpty();
        assertThat(dispatched(waiting, Duration.ofSeconds(2))).isFalse();
        // the trainer's own report of the cancellation changes nothing
        outcome(new JobOutcome(running, 1, "w1", JobOutcome.Status.CANCELLED, null, 1L, null, "0.1.0", null));
        given().get("/v1/fine_tuning/jobs/{id}/events", running).then().body("data.message", hasItem("The job was cancelled"));
    }

    @Test
    void pauseThenResumeContinuesFromTheLatestCheckpoint() {
        TestTenants.actAs(tenant("pause", 2));
        String job = JobFlowTest.createJob(JobFlowTest.upload("{\"text\":\"a\"}\n"));
        awaitDispatch(job, 1);
        progress(job, 1, JobProgress.Kind.STARTED, 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> "running".equals(status(job)));
        ArtifactRef ckpt = new ArtifactRef("ckpt-7", "sha256:" + "7".repeat(64));
        CheckpointSaved saved = new CheckpointSaved(job, 1, "w1", 7, ckpt, Map.of("train_loss", 1.25));
        kafka.publish(Topics.CHECKPOINTS, job, EventCodec.encode(EventCodec.envelope("/test", job, saved)));

        given().post("/v1/fine_tuning/jobs/{id}/pause", job).then().statusCode(200).body("status", equalTo("paused"));
        List<String> controls = kafka.await(Topics.JOB_CONTROL, v -> v.contains(job), 1, Duration.ofSeconds(20));
        assertThat(EventCodec.decode(controls.get(0), JobControl.class).data().action()).isEqualTo(JobControl.Action.PAUSE);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                given().get("/v1/fine_tuning/jobs/{id}/checkpoints", job).then()
                        .body("data[0].object", equalTo("fine_tuning.job.checkpoint"))
                        .body("data[0].step_number", equalTo(7))
                        .body("data[0].metrics.train_loss", equalTo(1.25f))
                        .body("data[0].fine_tuned_model_checkpoint", startsWith("ft:tiny-llama:")));

        given().post("/v1/fine_tuning/jobs/{id}/resume", job).then().statusCode(200)
                .body("status", equalTo("queued")).body("attempt", equalTo(2));
        JobDispatched second = awaitDispatch(job, 2);
        assertThat(second.resumeFrom()).isEqualTo(ckpt);
    }

    @Test
    void aSilentAttemptLosesItsLeaseAndItsLateEventsAreIgnored() {
        TestTenants.actAs(tenant("lease", 2));
        String job = JobFlowTest.createJob(JobFlowTest.upload("{\"text\":\"a\"}\n"));
        awaitDispatch(job, 1);
        progress(job, 1, JobProgress.Kind.STARTED, 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> "running".equals(status(job)));

        // no heartbeat: the lease (4 s in tests) expires and attempt 2 is dispatched
        JobDispatched retry = awaitDispatch(job, 2);
        assertThat(retry.attempt()).isEqualTo(2);
        outcome(new JobOutcome(job, 1, "w1", JobOutcome.Status.FAILED, null, 1L, null, "0.1.0",
                new dev.loraforge.events.ErrorInfo("late", "the old worker came back")));
        progress(job, 2, JobProgress.Kind.STARTED, 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> "running".equals(status(job)));
        given().get("/v1/fine_tuning/jobs/{id}", job).then().body("attempt", equalTo(2)).body("error", equalTo(null));
    }

    @Test
    void idempotencyKeyReturnsTheSameJobEvenForConcurrentRetries() throws Exception {
        TestTenants.Tenant t = TestTenants.actAs(tenant("idem", 2));
        String file = JobFlowTest.upload("{\"text\":\"a\"}\n");
        String body = "{\"model\":\"tiny-llama\",\"training_file\":\"" + file + "\"}";
        String base = RestAssured.baseURI + ":" + RestAssured.port;
        HttpClient http = HttpClient.newHttpClient();
        Callable<String> create = () -> http.send(HttpRequest.newBuilder(URI.create(base + "/v1/fine_tuning/jobs"))
                .header("Authorization", "Bearer " + t.key()).header("Content-Type", "application/json")
                .header("Idempotency-Key", "same-key").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        var pool = Executors.newFixedThreadPool(4);
        List<Future<String>> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(pool.submit(create));
        }
        List<String> ids = new ArrayList<>();
        for (Future<String> a : answers) {
            ids.add(io.restassured.path.json.JsonPath.from(a.get()).getString("id"));
        }
        pool.shutdown();
        assertThat(ids).doesNotContainNull().allMatch(id -> id.equals(ids.get(0)));
        given().get("/v1/fine_tuning/jobs").then().body("data.size()", equalTo(1));
        given().contentType(ContentType.JSON).header("Idempotency-Key", "same-key")
                .body("{\"model\":\"tiny-llama\",\"training_file\":\"" + file + "\",\"seed\":1}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.code", equalTo("idempotency_key_reused"));
    }

    @Test
    void succeededJobListsItsModelAndServesItsAdapter() throws Exception {
        TestTenants.actAs(tenant("models", 2));
        String job = JobFlowTest.createJob(JobFlowTest.upload("{\"text\":\"a\"}\n"));
        awaitDispatch(job, 1);
        byte[] adapterTar = "pretend this is a PEFT adapter tar".getBytes();
        String digest = putBlob(adapterTar);
        outcome(new JobOutcome(job, 1, "w1", JobOutcome.Status.SUCCEEDED, new ArtifactRef("adapter-x", digest), 42L,
                Map.of("train_loss", 0.5), "0.1.0", null));
        await().atMost(Duration.ofSeconds(20)).until(() -> "succeeded".equals(status(job)));
        String model = given().get("/v1/fine_tuning/jobs/{id}", job).then().extract().path("fine_tuned_model");
        assertThat(model).startsWith("ft:tiny-llama:");
        given().get("/v1/models").then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data.id", hasItem("tiny-llama"))
                .body("data.id", hasItem(model));
        given().get("/v1/models/{m}", model).then().statusCode(200).body("object", equalTo("model"));
        byte[] downloaded = given().get("/v1/fine_tuning/jobs/{id}/adapter", job).then().statusCode(200)
                .header("X-Content-Digest", digest).extract().asByteArray();
        assertThat(downloaded).isEqualTo(adapterTar);
    }

    @jakarta.inject.Inject
    dev.loraforge.jobapi.service.LeaseMonitor leases;

    @jakarta.inject.Inject
    dev.loraforge.jobapi.repository.JobRepository jobRows;

    @Test
    void aSilenceJobApiCouldNotHearIsNoEvidence() throws Exception {
        TestTenants.actAs(tenant("hearing", 2));
        String job = JobFlowTest.createJob(JobFlowTest.upload("{\"text\":\"a\"}\n"));
        awaitDispatch(job, 1);
        progress(job, 1, JobProgress.Kind.STARTED, 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> "running".equals(status(job)));

        // job-api comes back after being down for a minute: the last heartbeat it processed is a minute old, the
        // trainer's later ones still wait in Kafka
        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(() ->
                jobRows.findById(job).lastHeartbeatAt = java.time.OffsetDateTime.now().minusSeconds(60));
        leases.restartWatching();
        Thread.sleep(2000);
        progress(job, 1, JobProgress.Kind.HEARTBEAT, null); // the backlog, read within the lease (4 s here)
        assertThat(kafka.awaitRecords(Topics.JOB_DISPATCH, v -> v.contains(job)
                && EventCodec.decode(v, JobDispatched.class).data().attempt() == 2, 1, Duration.ofSeconds(5)))
                .as("a new attempt for a silence job-api could not hear").isEmpty();
        // a real silence, heard for a whole lease, is still found
        JobDispatched retry = awaitDispatch(job, 2);
        assertThat(retry.attempt()).isEqualTo(2);
    }

    @Test
    void aSucceededJobOffersItsStepMetricsAsAResultFileOfItsTenant() throws Exception {
        TestTenants.actAs(tenant("results", 2));
        String training = JobFlowTest.upload("{\"text\":\"a\"}\n");
        String job = JobFlowTest.createJob(training);
        awaitDispatch(job, 1);
        given().get("/v1/fine_tuning/jobs/{id}", job).then().body("result_files", hasSize(0));
        progress(new JobProgress(job, 1, "w1", JobProgress.Kind.STEP, 1, 2, 1.5, 1e-4, 10.0, 20L, 1.0, null, "step 1/2",
                0.625, null));
        progress(new JobProgress(job, 1, "w1", JobProgress.Kind.VALIDATION, 1, 2, null, null, null, null, null, 1.75,
                "validation", null, 0.5));
        byte[] csv = ("step,train_loss,train_mean_token_accuracy,valid_loss,valid_mean_token_accuracy\n"
                + "1,1.5,0.625,1.75,0.5\n2,1.25,0.75,,\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String csvDigest = putBlob(csv);
        outcome(new JobOutcome(job, 1, "w1", JobOutcome.Status.SUCCEEDED, new ArtifactRef("adapter-results",
                putBlob("adapter tar".getBytes())), 42L, Map.of("train_loss", 1.25), "0.1.0", null,
                new dev.loraforge.events.ResultFile(csvDigest, csv.length, "step_metrics.csv")));
        await().atMost(Duration.ofSeconds(20)).until(() -> "succeeded".equals(status(job)));

        // metrics events carry the token accuracies under OpenAI's names
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/v1/fine_tuning/jobs/{id}/events", job)
                .then().body("data.findAll { it.type == 'metrics' }.data.train_mean_token_accuracy", hasItem(0.625f))
                .body("data.findAll { it.type == 'metrics' }.data.valid_mean_token_accuracy", hasItem(0.5f)));
        String resultFile = given().get("/v1/fine_tuning/jobs/{id}", job).then().statusCode(200)
                .body("result_files", hasSize(1)).extract().path("result_files[0]");
        given().get("/v1/files/{id}", resultFile).then().statusCode(200)
                .body("object", equalTo("file"))
                .body("purpose", equalTo("fine-tune-results"))
                .body("filename", equalTo("step_metrics.csv"))
                .body("bytes", equalTo(csv.length));
        byte[] content = given().get("/v1/files/{id}/content", resultFile).then().statusCode(200).extract().asByteArray();
        assertThat(content).isEqualTo(csv);
        given().get("/v1/files?purpose=fine-tune-results").then().statusCode(200)
                .body("data.id", org.hamcrest.Matchers.contains(resultFile));
        given().get("/v1/files?purpose=fine-tune").then().statusCode(200)
                .body("data.id", org.hamcrest.Matchers.contains(training));
        // a result file is not training data
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"" + resultFile + "\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("training_file"))
                .body("error.message", containsString("fine-tune-results"));
        // and another tenant does not see it
        TestTenants.actAs(tenant("results-stranger", 1));
        given().get("/v1/files/{id}/content", resultFile).then().statusCode(404);
    }

    @Test
    void aJobOnAFineTunedModelContinuesFromItsAdapter() throws Exception {
        TestTenants.actAs(tenant("continue", 3));
        String training = JobFlowTest.upload("{\"text\":\"a\"}\n");
        String parentJob = given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\""
                + training + "\",\"adapter\":{\"r\":4,\"target_modules\":[\"q_proj\",\"k_proj\"]}}")
                .post("/v1/fine_tuning/jobs").then().statusCode(200).extract().path("id");
        awaitDispatch(parentJob, 1);
        String adapterDigest = putBlob("parent adapter tar".getBytes());
        outcome(new JobOutcome(parentJob, 1, "w1", JobOutcome.Status.SUCCEEDED, new ArtifactRef("adapter-parent", adapterDigest),
                10L, Map.of(), "0.1.0", null));
        await().atMost(Duration.ofSeconds(20)).until(() -> "succeeded".equals(status(parentJob)));
        String ft = given().get("/v1/fine_tuning/jobs/{id}", parentJob).then().extract().path("fine_tuned_model");

        // the shape is the parent's: a different rank, another family or other modules are refused, naming the field
        String[][] refused = {
                {"{\"r\":8}", "adapter.r"}, {"{\"type\":\"prefix\"}", "adapter.type"},
                {"{\"target_modules\":[\"q_proj\"]}", "adapter.target_modules"}, {"{\"alpha\":64}", "adapter.alpha"}};
        for (String[] r : refused) {
            given().contentType(ContentType.JSON).body("{\"model\":\"" + ft + "\",\"training_file\":\"" + training
                    + "\",\"adapter\":" + r[0] + "}").post("/v1/fine_tuning/jobs").then().statusCode(400)
                    .body("error.param", equalTo(r[1])).body("error.message", containsString(ft));
        }
        given().contentType(ContentType.JSON).body("{\"model\":\"" + ft + ":ckpt-step-1\",\"training_file\":\""
                + training + "\"}").post("/v1/fine_tuning/jobs").then().statusCode(400).body("error.param", equalTo("model"));

        // left out, the adapter is the parent's; dropout may change
        String child = given().contentType(ContentType.JSON).body("{\"model\":\"" + ft + "\",\"training_file\":\""
                + training + "\",\"suffix\":\"more\",\"adapter\":{\"dropout\":0.2}}").post("/v1/fine_tuning/jobs").then()
                .statusCode(200).body("model", equalTo(ft)).body("adapter.r", equalTo(4))
                .body("adapter.dropout", equalTo(0.2f)).extract().path("id");
        JobDispatched dispatched = awaitDispatch(child, 1);
        assertThat(dispatched.model()).as("the base underneath").isEqualTo("tiny-llama");
        assertThat(dispatched.initAdapter()).isEqualTo(new ArtifactRef("adapter-parent", adapterDigest));
        assertThat(dispatched.method().targetModules()).containsExactlyInAnyOrder("q_proj", "k_proj");
        outcome(new JobOutcome(child, 1, "w1", JobOutcome.Status.SUCCEEDED, new ArtifactRef("adapter-child",
                putBlob("child adapter tar".getBytes())), 10L, Map.of(), "0.1.0", null));
        await().atMost(Duration.ofSeconds(20)).until(() -> "succeeded".equals(status(child)));
        // named on the base, as OpenAI names a model fine-tuned from a fine-tuned one
        given().get("/v1/fine_tuning/jobs/{id}", child).then()
                .body("fine_tuned_model", startsWith("ft:tiny-llama:")).body("fine_tuned_model", containsString(":more:"));

        // another tenant cannot continue it
        TestTenants.actAs(tenant("continue-stranger", 1));
        String theirs = JobFlowTest.upload("{\"text\":\"a\"}\n");
        given().contentType(ContentType.JSON).body("{\"model\":\"" + ft + "\",\"training_file\":\"" + theirs + "\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(404).body("error.code", equalTo("model_not_found"));
    }

    @Test
    void lineageOfASucceededJobIsReadForItsTenantOnly() throws Exception {
        TestTenants.Tenant owner = TestTenants.actAs(tenant("lineage", 2));
        String file = JobFlowTest.upload("{\"text\":\"a\"}\n");
        String job = JobFlowTest.createJob(file);
        String unfinished = JobFlowTest.createJob(file);
        awaitDispatch(job, 1);
        // the trainer registers the adapter before it reports the outcome: trained from the base model
        String adapterDigest = putBlob("tar".getBytes());
        ObjectNode adapter = new ObjectMapper().createObjectNode().put("id", "adapter-lineage").put("kind", "adapter")
                .put("name", "ft:lineage").put("digest", adapterDigest).put("tenant_id", owner.id()).put("job_id", job);
        adapter.putArray("parents").addObject().put("id", StandInArtifactStore.BASE_ID).put("relation", "base_model");
        StandInArtifactStore.STORE.putArtifact(adapter);
        outcome(new JobOutcome(job, 1, "w1", JobOutcome.Status.SUCCEEDED,
                new ArtifactRef("adapter-lineage", adapterDigest), 1L, Map.of(), "0.1.0", null));
        await().atMost(Duration.ofSeconds(20)).until(() -> "succeeded".equals(status(job)));

        given().get("/v1/fine_tuning/jobs/{id}/lineage", job).then().statusCode(200)
                .body("root", equalTo("adapter-lineage"))
                .body("nodes[0].kind", equalTo("adapter"))
                .body("nodes[0].tenant_id", equalTo(owner.id()))
                .body("edges[0].relation", equalTo("base_model"));
        given().get("/v1/fine_tuning/jobs/{id}/lineage", unfinished).then().statusCode(400)
                .body("error.param", equalTo("fine_tuning_job_id"));
        TestTenants.actAs(tenant("stranger", 1));
        given().get("/v1/fine_tuning/jobs/{id}/lineage", job).then().statusCode(404)
                .body("error.code", equalTo("not_found"));
        RestAssured.requestSpecification = null;
        given().get("/v1/fine_tuning/jobs/{id}/lineage", job).then().statusCode(401);
    }

    /** Stores {@code content} in the artifact-store stand-in; answers its digest. */
    static String putBlob(byte[] content) throws Exception {
        String url = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("jobapi.artifact-store-url", String.class);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/api/v1/blobs"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
        return io.restassured.path.json.JsonPath.from(r.body()).getString("digest");
    }
}
