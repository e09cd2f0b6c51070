package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.jobapi.support.FakeInferenceService;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/fine_tuning/jobs/{id}/adapter?format=peft|merged|gguf}: each format from where it is made (the
 * adapter from artifact-store, merged and GGUF exports from inference-service, asked for the job's full-precision base
 * and the tenant), with Content-Length, ranges and clear refusals.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
@WithTestResource(FakeInferenceService.class)
class ModelDownloadsTest {

    @Inject
    JobRepository jobs;

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    /** A succeeded job of the current tenant whose adapter blob is {@code adapter}; returns the job id. */
    private String succeededJob(String suffix, byte[] adapter) throws Exception {
        String jobId = JobFlowTest.createJob(JobFlowTest.upload("{\"text\":\"hello\"}\n"));
        String digest = JobLifecycleTest.putBlob(adapter);
        QuarkusTransaction.requiringNew().run(() -> {
            JobEntity job = jobs.findById(jobId);
            job.status = "succeeded";
            job.fineTunedModel = "ft:tiny-llama:t:" + suffix + ":" + jobId;
            job.adapterId = "adapter-" + jobId;
            job.adapterDigest = digest;
            job.quantizedModelDigest = "sha256:" + "9".repeat(64); // a QLoRA job: exports still merge into the base
            job.finishedAt = OffsetDateTime.now();
        });
        return jobId;
    }

    @Test
    void theAdapterDownloadsWholeAndByRange() throws Exception {
        TestTenants.actAs(TestTenants.create("peft-dl"));
        byte[] adapter = "a PEFT adapter tar, or as good as one for this test".getBytes(StandardCharsets.UTF_8);
        String job = succeededJob("peft", adapter);
        byte[] whole = given().get("/v1/fine_tuning/jobs/{id}/adapter", job).then().statusCode(200)
                .header("Content-Length", String.valueOf(adapter.length)).header("Accept-Ranges", "bytes")
                .header("Content-Type", "application/x-tar")
                .header("Content-Disposition", containsString(job + "-adapter.tar")).extract().asByteArray();
        assertThat(whole).isEqualTo(adapter);
        byte[] part = given().header("Range", "bytes=2-8").get("/v1/fine_tuning/jobs/{id}/adapter?format=peft", job)
                .then().statusCode(206).header("Content-Range", "bytes 2-8/" + adapter.length)
                .header("Content-Length", "7").extract().asByteArray();
        assertThat(part).isEqualTo(Arrays.copyOfRange(adapter, 2, 9));
        given().header("Range", "bytes=" + adapter.length + "-").get("/v1/fine_tuning/jobs/{id}/adapter", job)
                .then().statusCode(416).header("Content-Range", "bytes */" + adapter.length)
                .body("error.code", equalTo("range_not_satisfiable")).body("error.param", equalTo("Range"));
        TestTenants.actAs(TestTenants.create("peft-other"));
        given().get("/v1/fine_tuning/jobs/{id}/adapter", job).then().statusCode(404);
    }

    @Test
    void mergedAndGgufExportsComeFromInferenceForTheFullPrecisionBaseAndTheTenant() throws Exception {
        TestTenants.Tenant tenant = TestTenants.actAs(TestTenants.create("export-dl"));
        String job = succeededJob("pirate", "adapter".getBytes(StandardCharsets.UTF_8));
        String adapterDigest = QuarkusTransaction.requiringNew().call(() -> jobs.findById(job).adapterDigest);
        String model = QuarkusTransaction.requiringNew().call(() -> jobs.findById(job).fineTunedModel);

        byte[] merged = given().get("/v1/fine_tuning/jobs/{id}/adapter?format=merged", job).then().statusCode(200)
                .header("Content-Length", "5000").header("Content-Type", "application/x-tar")
                .header("Content-Disposition", containsString(job + "-merged.tar")).extract().asByteArray();
        assertThat(merged).isEqualTo(FakeInferenceService.exported("merged", adapterDigest));
        assertThat(FakeInferenceService.lastExport).isEqualTo("merged?{adapter_digest=" + adapterDigest
                + ", base_digest=" + StandInArtifactStore.BASE_DIGEST + ", base_model=" + StandInArtifactStore.BASE_MODEL
                + ", name=" + model + "}");
        assertThat(FakeInferenceService.lastExportTenant).isEqualTo(tenant.id());

        byte[] gguf = given().header("Range", "bytes=100-199").get("/v1/fine_tuning/jobs/{id}/adapter?format=gguf", job)
                .then().statusCode(206).header("Content-Range", "bytes 100-199/5000").header("Content-Length", "100")
                .header("Content-Type", "application/octet-stream")
                .header("Content-Disposition", containsString(job + ".gguf")).extract().asByteArray();
        assertThat(gguf).isEqualTo(Arrays.copyOfRange(FakeInferenceService.exported("gguf", adapterDigest), 100, 200));
        given().header("Range", "bytes=6000-").get("/v1/fine_tuning/jobs/{id}/adapter?format=gguf", job)
                .then().statusCode(416).header("Content-Range", "bytes */5000")
                .body("error.code", equalTo("range_not_satisfiable"));
    }

    @Test
    void badFormatsAndJobsWithoutAModelAreClearRefusals() throws Exception {
        TestTenants.actAs(TestTenants.create("export-bad"));
        String job = succeededJob("pirate", "adapter".getBytes(StandardCharsets.UTF_8));
        given().get("/v1/fine_tuning/jobs/{id}/adapter?format=onnx", job).then().statusCode(400)
                .body("error.param", equalTo("format")).body("error.message", containsString("[peft, merged, gguf]"));
        String prefixJob = succeededJob("prefix", "adapter".getBytes(StandardCharsets.UTF_8));
        given().get("/v1/fine_tuning/jobs/{id}/adapter?format=gguf", prefixJob).then().statusCode(400)
                .body("error.param", equalTo("format")).body("error.code", equalTo("adapter_not_mergeable"))
                .body("error.message", containsString("no weights to fold"));
        String queued = JobFlowTest.createJob(JobFlowTest.upload("{\"text\":\"hello\"}\n"));
        given().get("/v1/fine_tuning/jobs/{id}/adapter?format=merged", queued).then().statusCode(400)
                .body("error.message", containsString("has no adapter"));
        given().get("/v1/fine_tuning/jobs/{id}/adapter?format=merged", "ftjob-nope").then().statusCode(404);
    }
}
