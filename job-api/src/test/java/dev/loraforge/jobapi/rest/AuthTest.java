package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** API keys: required, hashed, revocable, scoped; another tenant's resources answer 404. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class AuthTest {

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    @Test
    void missingOrWrongKeyIs401InOpenAiShape() {
        given().get("/v1/fine_tuning/jobs").then().statusCode(401)
                .body("error.code", equalTo("invalid_api_key"))
                .body("error.message", containsString("Bearer"));
        given().auth().oauth2("lf-wrong").get("/v1/fine_tuning/jobs").then().statusCode(401)
                .body("error.code", equalTo("invalid_api_key"));
    }

    @Test
    void adminApiNeedsTheAdminKeyAndAnswersProblemJson() {
        given().auth().oauth2("not-the-admin-key").contentType(ContentType.JSON).body("{\"name\":\"x\"}")
                .post("/admin/v1/tenants").then().statusCode(401);
        given().auth().oauth2(TestTenants.ADMIN_KEY).contentType(ContentType.JSON).body("{\"name\":\"Bad Name\"}")
                .post("/admin/v1/tenants").then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("param", equalTo("name"));
    }

    @Test
    void keyIsShownOnceAndWorksUntilRevoked() {
        TestTenants.Tenant tenant = TestTenants.create("auth");
        given().auth().oauth2(tenant.key()).get("/v1/fine_tuning/jobs").then().statusCode(200);
        String keyId = given().auth().oauth2(TestTenants.ADMIN_KEY).get("/admin/v1/tenants/{id}/api_keys", tenant.id())
                .then().statusCode(200)
                .body("[0].key", nullValue())
                .body("[0].prefix", startsWith("lf-"))
                .extract().path("[0].id");
        given().auth().oauth2(TestTenants.ADMIN_KEY).delete("/admin/v1/api_keys/{id}", keyId).then().statusCode(200);
        given().auth().oauth2(tenant.key()).get("/v1/fine_tuning/jobs").then().statusCode(401);
    }

    @Test
    void anotherTenantsFileAndJobAre404() {
        TestTenants.Tenant alice = TestTenants.actAs(TestTenants.create("alice"));
        String fileId = JobFlowTest.upload("{\"text\":\"secret\"}\n");
        String jobId = JobFlowTest.createJob(fileId);
        TestTenants.Tenant bob = TestTenants.actAs(TestTenants.create("bob"));
        given().get("/v1/files/{id}", fileId).then().statusCode(404);
        given().get("/v1/fine_tuning/jobs/{id}", jobId).then().statusCode(404).body("error.code", equalTo("not_found"));
        given().get("/v1/fine_tuning/jobs/{id}/events", jobId).then().statusCode(404);
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"" + fileId + "\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(404).body("error.param", equalTo("training_file"));
        given().get("/v1/fine_tuning/jobs").then().statusCode(200).body("data.size()", equalTo(0));
        TestTenants.actAs(alice);
        given().get("/v1/fine_tuning/jobs/{id}", jobId).then().statusCode(200);
        bob.id();
    }
}
