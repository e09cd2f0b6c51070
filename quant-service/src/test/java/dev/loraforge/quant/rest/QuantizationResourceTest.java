package dev.loraforge.quant.rest;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.quant.OperatorToken;
import static dev.loraforge.quant.support.StandInArtifactStore.STORE;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.loraforge.events.ArtifactRef;
import dev.loraforge.events.QuantizationOutcome;
import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.quant.support.QuantEvents;
import dev.loraforge.quant.support.StandInArtifactStore;
import dev.loraforge.quant.support.TinyModels;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pre-quantizing a base model over HTTP, and the problem+json answers to bad input. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class QuantizationResourceTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    @Test
    void aBaseModelIsPreQuantizedByNameAndItsFiguresAreShown() throws Exception {
        ArtifactRef base = STORE.registerBaseModel("tiny-21", TinyModels.model(21), null);

        String requestId = given().contentType(ContentType.JSON)
                .body(Map.of("base_model_name", "tiny-21", "scheme", "nf4"))
                .post("/api/v1/quantizations").then().statusCode(202)
                .header("Location", endsWith("/api/v1/quantizations/" + base.digest() + "/nf4"))
                .body("base_digest", equalTo(base.digest()))
                .body("base_model.id", equalTo(base.id()))
                .body("base_model_name", equalTo("tiny-21"))
                .body("status", anyOf(equalTo("pending"), equalTo("running"), equalTo("succeeded")))
                .body("request_id", startsWith("qreq-api-"))
                .extract().path("request_id");

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/api/v1/quantizations/{digest}/{scheme}", base.digest(), "nf4").then().statusCode(200)
                        .body("status", equalTo("succeeded")));
        String quantizedId = "qmodel-" + base.digest().substring(7) + "-nf4";
        given().get("/api/v1/quantizations/{digest}/{scheme}", base.digest(), "nf4").then()
                .body("quantized_model.id", equalTo(quantizedId))
                .body("quantized_model.digest", startsWith("sha256:"))
                .body("bytes_before", greaterThan(0))
                .body("bytes_after", greaterThan(0))
                .body("mean_abs_error", greaterThan(0f))
                .body("engine_version", notNullValue())
                .body("error", equalTo(null))
                .body("waiting_request_ids", empty())
                .body("request_id", equalTo(null));
        QuantizationOutcome outcome = QuantEvents.outcomeFor(requestId);
        assertThat(outcome.status()).isEqualTo(QuantizationOutcome.Status.SUCCEEDED);
        assertThat(outcome.quantizedModel().id()).isEqualTo(quantizedId);

        // asking again (by id and digest this time) answers 200 from the row; nothing is quantized again
        int uploads = STORE.allUploads();
        given().contentType(ContentType.JSON)
                .body(Map.of("base_model", Map.of("id", base.id(), "digest", base.digest()), "scheme", "nf4"))
                .post("/api/v1/quantizations").then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("attempts", equalTo(1))
                .body("quantized_model.id", equalTo(quantizedId));
        assertThat(STORE.allUploads()).isEqualTo(uploads);
        assertThat(STORE.created(quantizedId)).isEqualTo(1);

        given().queryParam("status", "succeeded").get("/api/v1/quantizations").then().statusCode(200)
                .body("base_digest", hasItem(base.digest()));
    }

    @Test
    void badInputGetsAProblemNamingTheFieldAndChangesNothing() throws Exception {
        ArtifactRef base = STORE.registerBaseModel("tiny-22", TinyModels.model(22), null);
        String other = "sha256:" + "d".repeat(64);
        int uploads = STORE.allUploads();

        refused(Map.of("base_model_name", "tiny-22"), "scheme", "is required");
        refused(Map.of("base_model_name", "tiny-22", "scheme", "fp4"), "scheme", "'fp4' is not a quantization scheme");
        refused(Map.of("scheme", "nf4"), "base_model", "base_model_name");
        refused(Map.of("base_model_name", "tiny-22", "base_model", Map.of("id", base.id(), "digest", base.digest()),
                "scheme", "nf4"), "base_model", "not both");
        refused(Map.of("base_model", Map.of("id", base.id(), "digest", "sha256:XYZ"), "scheme", "nf4"),
                "base_model.digest", "64 lowercase hex");
        refused(Map.of("base_model", Map.of("digest", base.digest()), "scheme", "nf4"), "base_model.id", "is required");
        refused(Map.of("base_model_name", "no-such-model", "scheme", "nf4"), "base_model_name", "no base model named 'no-such-model'");
        refused(Map.of("base_model", Map.of("id", "model-unknown", "digest", other), "scheme", "nf4"), "base_model.id",
                "no artifact 'model-unknown'");
        refused(Map.of("base_model", Map.of("id", base.id(), "digest", other), "scheme", "nf4"), "base_model.digest",
                "has digest " + base.digest());
        refused(Map.of("base_model", "tiny-22", "scheme", "nf4"), "base_model", "not the expected JSON");
        given().contentType(ContentType.JSON).body("{\"scheme\": ").post("/api/v1/quantizations").then()
                .statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:loraforge:problem:invalid-json"))
                .body("detail", containsString("base_model_name"));

        // nothing was recorded or quantized
        given().queryParam("base_digest", base.digest()).get("/api/v1/quantizations").then().statusCode(200)
                .body("$", empty());
        given().queryParam("base_digest", other).get("/api/v1/quantizations").then().statusCode(200)
                .body("$", empty());
        assertThat(STORE.allUploads()).isEqualTo(uploads);
    }

    @Test
    void lookupsOfUnknownOrMalformedPairsAreProblems() {
        given().get("/api/v1/quantizations/{digest}/{scheme}", "sha256:" + "e".repeat(64), "nf4").then().statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:loraforge:problem:not-found"))
                .body("detail", containsString("POST /api/v1/quantizations"));
        given().get("/api/v1/quantizations/{digest}/{scheme}", "md5:abc", "nf5").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", equalTo(List.of("digest", "scheme")));
        given().queryParam("status", "done").queryParam("limit", "0").get("/api/v1/quantizations").then().statusCode(400)
                .body("errors.field", equalTo(List.of("status", "limit")))
                .body("errors[0].message", containsString("pending"));
    }

    private static void refused(Object body, String field, String message) {
        ValidatableResponse r = given().contentType(ContentType.JSON).body(body).post("/api/v1/quantizations").then();
        r.statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("instance", equalTo("/api/v1/quantizations"))
                .body("detail", containsString(message))
                .body("errors.field", hasItem(field))
                .body("errors.find { it.field == '" + field + "' }.message", containsString(message));
    }

    @Test
    void quantizationsNeedAServiceTokenForThisService() {
        io.restassured.RestAssured.requestSpecification = null; // no token unless a call adds one
        given().get("/api/v1/quantizations").then().statusCode(401)
                .contentType("application/problem+json");
        given().header("Authorization", dev.loraforge.contracts.auth.ServiceAuth.operatorAuthorization("trainer-service"))
                .get("/api/v1/quantizations").then().statusCode(401);
    }
}
