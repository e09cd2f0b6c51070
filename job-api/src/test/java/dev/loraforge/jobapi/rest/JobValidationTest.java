package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.loraforge.jobapi.repository.FileRepository;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input gets OpenAI's error envelope, says what and where, and changes nothing. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class JobValidationTest {

    @BeforeEach
    void tenant() {
        TestTenants.actAs(TestTenants.create("t"));
    }

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    @Inject
    FileRepository files;

    @Transactional
    long fileCount() {
        return files.count();
    }

    @Test
    void badFileIsRefusedWithLineNumbersAndNotStored() {
        long before = fileCount();
        given().multiPart("purpose", "fine-tune")
                .multiPart("file", "bad.jsonl", "{\"text\":\"ok\"}\nnot json\n[1,2]\n".getBytes(StandardCharsets.UTF_8))
                .post("/v1/files").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.param", equalTo("file"))
                .body("error.message", containsString("line 2: "))
                .body("error.message", containsString("line 3: expected a JSON object"));
        given().multiPart("purpose", "fine-tune")
                .multiPart("file", "roles.jsonl", ("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}\n")
                        .getBytes(StandardCharsets.UTF_8))
                .post("/v1/files").then().statusCode(400)
                .body("error.message", containsString("line 1: "))
                .body("error.message", containsString("assistant"));
        assertThat(fileCount()).isEqualTo(before);
    }

    @Test
    void badChatTemplateKwargsAreRefusedNamingTheField() {
        String fileId = JobFlowTest.upload("{\"text\":\"hello\"}\n");
        for (String kwargs : List.of("[1]", "\"x\"", "{\"messages\":[]}", "{\"1abc\":true}", "{\"bos_token\":\"x\"}",
                "{\"a\":\"" + "x".repeat(5000) + "\"}")) {
            given().contentType(ContentType.JSON)
                    .body("{\"model\":\"tiny-llama\",\"training_file\":\"" + fileId + "\",\"chat_template_kwargs\":" + kwargs + "}")
                    .post("/v1/fine_tuning/jobs").then().statusCode(400)
                    .body("error.type", equalTo("invalid_request_error"))
                    .body("error.param", equalTo("chat_template_kwargs"))
                    .body("error.message", containsString("chat_template_kwargs"));
        }
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"prompt\":\"hi\",\"chat_template_kwargs\":{\"enable_thinking\":false}}")
                .post("/v1/completions").then().statusCode(400).body("error.param", equalTo("chat_template_kwargs"));
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                        + "\"chat_template_kwargs\":{\"add_generation_prompt\":false}}")
                .post("/v1/chat/completions").then().statusCode(400).body("error.param", equalTo("chat_template_kwargs"));
    }

    @Test
    void artifactStoreDownIs503AndNothingIsStored() {
        long before = fileCount();
        StandInArtifactStore.STORE.down(true);
        try {
            given().multiPart("purpose", "fine-tune")
                    .multiPart("file", "ok.jsonl", "{\"text\":\"fine\"}\n".getBytes(StandardCharsets.UTF_8))
                    .post("/v1/files").then().statusCode(503)
                    .body("error.code", equalTo("artifact_store_unavailable"));
        } finally {
            StandInArtifactStore.STORE.down(false);
        }
        assertThat(fileCount()).isEqualTo(before);
    }

    @Inject
    dev.loraforge.jobapi.repository.JobRepository jobs;

    @Transactional
    long jobCount() {
        return jobs.count();
    }

    @Test
    void controlCharactersInIdsCursorsAndNamesGetA400ThatSaysWhereAndChangeNothing() {
        long before = jobCount();
        for (String path : List.of("/v1/fine_tuning/jobs/ftjob-%00x", "/v1/models/%00", "/v1/files/file-%01x",
                "/v1/fine_tuning/jobs/ftjob-%00x/events", "/v1/fine_tuning/jobs/ftjob-%00x/checkpoints")) {
            given().urlEncodingEnabled(false).get(path).then().statusCode(400).body("error.code", equalTo("invalid_characters"));
        }
        given().urlEncodingEnabled(false).post("/v1/fine_tuning/jobs/ftjob-x%7F/cancel").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.code", equalTo("invalid_characters"))
                .body("error.message", containsString("U+007F"));
        given().urlEncodingEnabled(false).get("/v1/models/%00").then().statusCode(400)
                .body("error.message", containsString("control character U+0000 at character 11"));
        given().queryParam("after", "ftjob-\u0000").get("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("after"))
                .body("error.message", containsString("U+0000"));
        String fileId = JobFlowTest.upload("{\"text\":\"hello\"}\n");
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"file-\\u0000x\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("training_file"))
                .body("error.message", containsString("U+0000"));
        given().contentType(ContentType.JSON).header("Idempotency-Key", "k-" + fileId)
                .body("{\"model\":\"tiny\\u0000llama\",\"training_file\":\"" + fileId + "\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("model"));
        given().contentType(ContentType.JSON).body("{\"model\":\"" + "m".repeat(10_000) + "\",\"training_file\":\"" + fileId + "\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("model"))
                .body("error.message", containsString("at most 256"));
        RestAssured.requestSpecification = null;
        given().urlEncodingEnabled(false).get("/v1/models/%00").then().statusCode(401); // authentication comes first
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void jsonOfTheWrongShapeGetsTheEnvelopeNamingTheField() {
        long before = jobCount();
        given().contentType(ContentType.JSON).body("[]").post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.message", equalTo("The request body must be a JSON object."))
                .body("error.param", nullValue());
        given().contentType(ContentType.JSON).body("{\"model\":{\"a\":1},\"training_file\":\"file-x\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("model"))
                .body("error.message", equalTo("'model' must be a string."));
        given().contentType(ContentType.JSON).body("{\"model\": ").post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.message", containsString("JSON"));
        given().contentType(ContentType.JSON).body("[]").post("/v1/webhooks").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"))
                .body("error.message", containsString("must be a JSON object"));
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"file-x\"} x")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"));
        String fileId = JobFlowTest.upload("{\"text\":\"hello\"}\n");
        String job = "{\"model\":\"tiny-llama\",\"training_file\":\"" + fileId + "\"";
        for (String seed : List.of("\"7\"", "1.5")) {
            given().contentType(ContentType.JSON).body(job + ",\"seed\":" + seed + "}").post("/v1/fine_tuning/jobs").then()
                    .statusCode(400).body("error.param", equalTo("seed")).body("error.message", equalTo("'seed' must be an integer."));
        }
        given().contentType(ContentType.JSON).body(job + ",\"seed\":-1}").post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("seed")).body("error.message", containsString("between 0 and 2147483647"));
        given().contentType(ContentType.JSON).body(job + ",\"hyperparameters\":{\"n_epochs\":1.5}}").post("/v1/fine_tuning/jobs")
                .then().statusCode(400).body("error.param", equalTo("hyperparameters.n_epochs"))
                .body("error.message", containsString("whole number"));
        given().contentType(ContentType.JSON).body(job + ",\"adapter\":{\"alpha\":-1}}").post("/v1/fine_tuning/jobs").then()
                .statusCode(400).body("error.param", equalTo("adapter.alpha"));
        given().contentType(ContentType.JSON).body(job + ",\"adapter\":{\"target_modules\":[\"q_proj\",\"../../x\"]}}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("adapter.target_modules"))
                .body("error.message", containsString("target_modules[1] is not a module name"));
        given().contentType(ContentType.JSON).body("{\"url\":\"https://hooks.example.invalid/h\",\"events\":[null]}")
                .post("/v1/webhooks").then().statusCode(400)
                .body("error.param", equalTo("events"))
                .body("error.message", containsString("events[0] is null"));
        assertThat(jobCount()).isEqualTo(before);
    }

    @Test
    void unknownModelAndFileAreNamed() {
        String fileId = JobFlowTest.upload("{\"text\":\"hello\"}\n");
        given().contentType(ContentType.JSON).body("{\"model\":\"gpt-9\",\"training_file\":\"" + fileId + "\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(404)
                .body("error.param", equalTo("model"))
                .body("error.code", equalTo("model_not_found"))
                .body("error.message", containsString("tiny-llama"));
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"file-nope\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(404)
                .body("error.param", equalTo("training_file"));
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"training_file\":\"" + fileId + "\",\"hyperparameters\":{\"n_epochs\":\"many\"}}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("hyperparameters.n_epochs"));
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"training_file\":\"" + fileId + "\",\"adapter\":{\"r\":0}}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("adapter.r"));
        given().contentType(ContentType.JSON).body("{not json")
                .post("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"));
        given().get("/v1/fine_tuning/jobs/ftjob-missing").then().statusCode(404)
                .body("error.code", equalTo("not_found"))
                .body("error.param", equalTo("fine_tuning_job_id"));
    }

    @Test
    void tenantLimitsAnswer429And400() {
        TestTenants.Tenant small = TestTenants.create("small");
        RestAssured.requestSpecification = null;
        given().auth().oauth2(TestTenants.ADMIN_KEY).contentType(ContentType.JSON)
                .body("{\"name\":\"tiny-" + small.id().substring(7) + "\",\"max_queued_jobs\":1,\"max_file_bytes\":64}")
                .post("/admin/v1/tenants").then().statusCode(200);
        String tinyId = "tenant-tiny-" + small.id().substring(7);
        String key = given().auth().oauth2(TestTenants.ADMIN_KEY).contentType(ContentType.JSON).body("{}")
                .post("/admin/v1/tenants/{id}/api_keys", tinyId).then().statusCode(200).extract().path("key");
        TestTenants.actAs(new TestTenants.Tenant(tinyId, key));
        given().multiPart("purpose", "fine-tune")
                .multiPart("file", "big.jsonl", ("{\"text\":\"" + "x".repeat(100) + "\"}\n").getBytes(StandardCharsets.UTF_8))
                .post("/v1/files").then().statusCode(400)
                .body("error.message", containsString("limit is 64 bytes"));
        String fileId = JobFlowTest.upload("{\"text\":\"hi\"}\n");
        JobFlowTest.createJob(fileId);
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"" + fileId + "\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(429)
                .body("error.code", equalTo("too_many_jobs"));
    }

    @Test
    void listIsACursorPageNewestFirst() {
        String fileId = JobFlowTest.upload("{\"text\":\"hello\"}\n");
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(JobFlowTest.createJob(fileId));
        }
        String lastOfFirstPage = given().get("/v1/fine_tuning/jobs?limit=2").then().statusCode(200)
                .body("object", equalTo("list"))
                .body("data", hasSize(2))
                .body("has_more", equalTo(true))
                .body("data[0].id", equalTo(created.get(2)))
                .body("data[1].id", equalTo(created.get(1)))
                .extract().path("data[1].id");
        given().get("/v1/fine_tuning/jobs?limit=1&after=" + lastOfFirstPage).then().statusCode(200)
                .body("data[0].id", equalTo(created.get(0)));
        given().get("/v1/fine_tuning/jobs?limit=0").then().statusCode(400).body("error.param", equalTo("limit"));
        given().get("/v1/fine_tuning/jobs/" + created.get(0)).then().body("error", nullValue());
    }

    @Test
    void brokenMultipartAndMissingFilenamesAre400sInTheEnvelopeAndStoreNothing() {
        long before = fileCount();
        String part = "--b1\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n"
                + "--b1\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n{\"text\":\"hi\"}\n\r\n--b1--\r\n";
        given().contentType("multipart/form-data; boundary=b1").body(part.getBytes(StandardCharsets.UTF_8)).post("/v1/files").then().statusCode(400)
                .body("error.param", equalTo("file")).body("error.message", containsString("needs a filename"));
        given().contentType("multipart/form-data; boundary=b1").body(part.substring(0, 60).getBytes(StandardCharsets.UTF_8)).post("/v1/files")
                .then().statusCode(400).body("error.type", equalTo("invalid_request_error"))
                .body("error.message", containsString("could not be read"));
        given().contentType("multipart/form-data; boundary=other").body(part.getBytes(StandardCharsets.UTF_8)).post("/v1/files").then().statusCode(400)
                .body("error.message", containsString("boundary"));
        given().multiPart("purpose", "fine-tune").multiPart("file", "x".repeat(256) + ".jsonl",
                        "{\"text\":\"hi\"}\n".getBytes(StandardCharsets.UTF_8))
                .post("/v1/files").then().statusCode(400).body("error.message", containsString("at most 255"));
        assertThat(fileCount()).isEqualTo(before);
    }

    @Test
    void refusalsBeforeAnyResourceHaveTheErrorShapeOfTheirApi() {
        given().urlEncodingEnabled(false).get("/v1/fine_tuning/jobs/a%00b").then().statusCode(400)
                .body("error.code", equalTo("invalid_characters"));
        RestAssured.requestSpecification = null;
        given().urlEncodingEnabled(false).auth().oauth2(TestTenants.ADMIN_KEY).get("/admin/v1/tenants/a%00b/api_keys").then().statusCode(400)
                .contentType("application/problem+json").body("status", equalTo(400))
                .body("detail", containsString("U+0000"));
        given().get("/v1/no_such_route").then().statusCode(404).contentType("application/json")
                .body("error.type", equalTo("invalid_request_error"));
        given().get("/no-such-page").then().statusCode(404).contentType("application/problem+json")
                .body("status", equalTo(404));
    }
}
