package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;

import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** OpenAI's Files API beyond upload: list (purpose, after, limit, order), content, delete. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class FilesApiTest {

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    @Test
    void filesAreListedNewestFirstInPagesAndOldestFirstOnRequest() {
        TestTenants.actAs(TestTenants.create("files"));
        String a = JobFlowTest.upload("{\"text\":\"a\"}\n");
        String b = JobFlowTest.upload("{\"text\":\"b\"}\n");
        String c = JobFlowTest.upload("{\"text\":\"c\"}\n");
        given().get("/v1/files").then().statusCode(200).body("object", equalTo("list"))
                .body("data.id", contains(c, b, a)).body("has_more", equalTo(false))
                .body("first_id", equalTo(c)).body("last_id", equalTo(a))
                .body("data[0].object", equalTo("file")).body("data[0].purpose", equalTo("fine-tune"));
        given().get("/v1/files?limit=2").then().statusCode(200).body("data.id", contains(c, b))
                .body("has_more", equalTo(true));
        given().get("/v1/files?limit=2&after=" + b).then().statusCode(200).body("data.id", contains(a))
                .body("has_more", equalTo(false));
        given().get("/v1/files?order=asc&limit=2").then().statusCode(200).body("data.id", contains(a, b));
        given().get("/v1/files?order=asc&after=" + b).then().statusCode(200).body("data.id", contains(c));
        given().get("/v1/files?purpose=fine-tune").then().statusCode(200).body("data", hasSize(3));
        given().get("/v1/files?purpose=batch").then().statusCode(200).body("data", hasSize(0));

        given().get("/v1/files?limit=abc").then().statusCode(400).body("error.param", equalTo("limit"))
                .body("error.message", containsString("integer"));
        given().get("/v1/files?limit=10001").then().statusCode(400).body("error.param", equalTo("limit"));
        given().get("/v1/files?order=up").then().statusCode(400).body("error.param", equalTo("order"));
        given().get("/v1/files?after=file-nope").then().statusCode(400).body("error.param", equalTo("after"));

        TestTenants.actAs(TestTenants.create("files-other"));
        given().get("/v1/files").then().statusCode(200).body("data", hasSize(0));
    }

    @Test
    void contentIsTheUploadedBytesAndADeletedFileIsGoneForNewUseOnly() {
        TestTenants.Tenant owner = TestTenants.actAs(TestTenants.create("files-del"));
        String content = "{\"text\":\"the exact bytes, é\"}\n{\"text\":\"line two\"}\n";
        String id = JobFlowTest.upload(content);
        byte[] back = given().get("/v1/files/{id}/content", id).then().statusCode(200)
                .header("Content-Disposition", containsString("train.jsonl"))
                .extract().asByteArray();
        org.assertj.core.api.Assertions.assertThat(back).isEqualTo(content.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        // OpenAI's SDKs ask for application/binary (it was a 406)
        byte[] sdk = given().accept("application/binary").get("/v1/files/{id}/content", id).then().statusCode(200)
                .contentType("application/octet-stream").extract().asByteArray();
        org.assertj.core.api.Assertions.assertThat(sdk).isEqualTo(back);
        given().accept("application/binary").get("/v1/files/{id}/content", "file-nosuch").then().statusCode(404)
                .body("error.code", equalTo("not_found"));
        String jobId = JobFlowTest.createJob(id);

        TestTenants.actAs(TestTenants.create("files-thief"));
        given().delete("/v1/files/{id}", id).then().statusCode(404);
        given().get("/v1/files/{id}/content", id).then().statusCode(404);
        TestTenants.actAs(owner);

        given().delete("/v1/files/{id}", id).then().statusCode(200)
                .body("id", equalTo(id)).body("object", equalTo("file")).body("deleted", equalTo(true));
        given().get("/v1/files/{id}", id).then().statusCode(404).body("error.code", equalTo("not_found"));
        given().get("/v1/files/{id}/content", id).then().statusCode(404);
        given().get("/v1/files").then().statusCode(200).body("data.id", not(hasItem(id)));
        given().delete("/v1/files/{id}", id).then().statusCode(404);
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"" + id + "\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(404).body("error.param", equalTo("training_file"));
        // the job that already uses it is untouched
        given().get("/v1/fine_tuning/jobs/{id}", jobId).then().statusCode(200).body("training_file", equalTo(id));
        List<String> listed = given().get("/v1/fine_tuning/jobs").then().statusCode(200).extract().path("data.id");
        org.assertj.core.api.Assertions.assertThat(listed).contains(jobId);
    }
}
