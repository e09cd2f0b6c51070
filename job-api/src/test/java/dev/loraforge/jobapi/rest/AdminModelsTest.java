package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code /admin/v1/models} and {@code /admin/v1/model_uploads}: the operator's catalog over artifact-store (a stand-in
 * checked against the contract's samples): imports, uploads in parts (OpenAI's multipart {@code data} and raw bytes),
 * refusals passed on with their status and reason, the audit log, and no way in without the admin key.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class AdminModelsTest {

    private static RequestSpecification admin() {
        return given().auth().oauth2(TestTenants.ADMIN_KEY);
    }

    @Test
    void anUploadInPartsCompletesIntoAModelAndIsAudited() {
        JsonPath created = admin().contentType(ContentType.JSON)
                .body(Map.of("name", "acme/tiny-chat", "bytes", 10, "filename", "tiny.tar", "revision", "abc123"))
                .post("/admin/v1/model_uploads").then().statusCode(200)
                .body("object", equalTo("upload")).body("status", equalTo("pending")).body("purpose", equalTo("base_model"))
                .body("model", equalTo("acme/tiny-chat")).body("bytes", equalTo(10)).body("revision", equalTo("abc123"))
                .extract().jsonPath();
        String id = created.getString("id");
        String first = admin().multiPart("data", "part1.bin", new byte[] {1, 2, 3, 4, 5, 6}, "application/octet-stream")
                .post("/admin/v1/model_uploads/{id}/parts", id).then().statusCode(200)
                .body("object", equalTo("upload.part")).body("upload_id", equalTo(id)).body("size", equalTo(6))
                .extract().path("id");
        String second = admin().contentType("application/octet-stream").body(new byte[] {7, 8, 9, 10})
                .post("/admin/v1/model_uploads/{id}/parts", id).then().statusCode(200).body("size", equalTo(4))
                .extract().path("id");
        admin().get("/admin/v1/model_uploads/{id}", id).then().statusCode(200).body("received_bytes", equalTo(10))
                .body("parts.id", equalTo(List.of(first, second)));
        // the parts must add up: artifact-store's 400 comes back as a 400 with its reason
        admin().contentType(ContentType.JSON).body(Map.of("part_ids", List.of(first)))
                .post("/admin/v1/model_uploads/{id}/complete", id).then().statusCode(400)
                .body(containsString("declared 10"));
        admin().contentType(ContentType.JSON).body(Map.of("part_ids", List.of(first, second)))
                .post("/admin/v1/model_uploads/{id}/complete", id).then().statusCode(200)
                .body("status", equalTo("completed")).body("model", equalTo("acme/tiny-chat"));
        admin().post("/admin/v1/model_uploads/{id}/cancel", id).then().statusCode(409);
        JsonPath audit = admin().get("/admin/v1/audit_events?limit=100").then().statusCode(200).extract().jsonPath();
        assertThat(audit.getList("data.action", String.class)).contains("model_upload.created", "model_upload.completed");
        assertThat(audit.getList("data.target", String.class)).contains(id);
    }

    @Test
    void importsPassOnArtifactStoresAnswerAndItsRefusals() {
        admin().contentType(ContentType.JSON).body(Map.of("name", "imported-tiny", "path", "/models/tiny"))
                .post("/admin/v1/models").then().statusCode(200).body("id", equalTo("imported-tiny"))
                .body("object", equalTo("model")).body("owned_by", equalTo("system"))
                .body("artifact_id", org.hamcrest.Matchers.startsWith("model-"));
        admin().contentType(ContentType.JSON).body(Map.of("path", "/models/refused"))
                .post("/admin/v1/models").then().statusCode(400).body(containsString("lm_head.weight"));
        admin().contentType(ContentType.JSON).body(Map.of("name", "x")).post("/admin/v1/models").then().statusCode(400)
                .body(containsString("path"));
        admin().get("/admin/v1/models").then().statusCode(200).body("id", hasItem(StandInArtifactStore.BASE_MODEL));
    }

    @Test
    void aModelImportedForATenantIsThatTenantsAlone() {
        TestTenants.Tenant owner = TestTenants.create("owner");
        TestTenants.Tenant other = TestTenants.create("other");
        String name = "acme/private-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        admin().contentType(ContentType.JSON).body(Map.of("name", name, "path", "/models/" + name, "tenant_id", owner.id()))
                .post("/admin/v1/models").then().statusCode(200).body("id", equalTo(name))
                .body("owned_by", equalTo(owner.id()));
        admin().get("/admin/v1/models").then().statusCode(200).body("find { it.id == '" + name + "' }.owned_by",
                equalTo(owner.id()));
        // an unknown tenant is refused before anything is imported
        admin().contentType(ContentType.JSON).body(Map.of("name", name + "-x", "path", "/models/x", "tenant_id", "tenant-nobody"))
                .post("/admin/v1/models").then().statusCode(400).body("param", equalTo("tenant_id"));
        assertThat(StandInArtifactStore.STORE.hasBaseModel(name + "-x")).isFalse();

        // the owner lists it as its own, retrieves it and may tune on it
        given().auth().oauth2(owner.key()).get("/v1/models").then().statusCode(200)
                .body("data.find { it.id == '" + name + "' }.owned_by", equalTo(owner.id()))
                .body("data.find { it.id == '" + StandInArtifactStore.BASE_MODEL + "' }.owned_by", equalTo("loraforge"));
        given().auth().oauth2(owner.key()).urlEncodingEnabled(false).get("/v1/models/" + name).then().statusCode(200)
                .body("owned_by", equalTo(owner.id()));
        TestTenants.actAs(owner);
        String file = JobFlowTest.upload("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"yo\"}]}\n");
        given().contentType(ContentType.JSON).body(Map.of("model", name, "training_file", file))
                .post("/v1/fine_tuning/jobs").then().statusCode(200).body("model", equalTo(name));

        // another tenant: it does not exist, in the list, by name, and for a job
        TestTenants.actAs(other);
        String otherFile = JobFlowTest.upload("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"yo\"}]}\n");
        given().get("/v1/models").then().statusCode(200).body("data.id", org.hamcrest.Matchers.not(hasItem(name)))
                .body("data.id", hasItem(StandInArtifactStore.BASE_MODEL));
        given().urlEncodingEnabled(false).get("/v1/models/" + name).then().statusCode(404);
        String refusal = given().contentType(ContentType.JSON).body(Map.of("model", name, "training_file", otherFile))
                .post("/v1/fine_tuning/jobs").then().statusCode(404).body("error.param", equalTo("model"))
                .extract().path("error.message");
        assertThat(refusal.substring(refusal.indexOf("available"))).contains(StandInArtifactStore.BASE_MODEL).doesNotContain(name);
        io.restassured.RestAssured.requestSpecification = null;
    }

    @Test
    void unknownUploadsAndCallersWithoutTheAdminKeyGetNothing() {
        admin().get("/admin/v1/model_uploads/{id}", "mupload-" + "0".repeat(32)).then().statusCode(404);
        admin().get("/admin/v1/model_uploads/{id}", "not-an-upload").then().statusCode(404);
        String id = admin().contentType(ContentType.JSON).body(Map.of("name", "cancel-me", "bytes", 5))
                .post("/admin/v1/model_uploads").then().statusCode(200).extract().path("id");
        admin().post("/admin/v1/model_uploads/{id}/cancel", id).then().statusCode(200).body("status", equalTo("cancelled"));
        admin().contentType("application/octet-stream").body(new byte[] {1})
                .post("/admin/v1/model_uploads/{id}/parts", id).then().statusCode(409);
        TestTenants.Tenant tenant = TestTenants.create("not-admin");
        given().auth().oauth2(tenant.key()).get("/admin/v1/models").then().statusCode(401);
        given().auth().oauth2(tenant.key()).contentType(ContentType.JSON).body(Map.of("name", "x", "bytes", 5))
                .post("/admin/v1/model_uploads").then().statusCode(401);
        given().get("/admin/v1/model_uploads/{id}", id).then().statusCode(401);
    }
}
