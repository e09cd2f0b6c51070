package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's {@code method}, {@code integrations} and {@code metadata} on job create: a method other than supervised
 * and any integration are refused (never a silent supervised run, never dropped); metadata is checked, stored,
 * returned and filters the list.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class JobMethodAndMetadataTest {

    @Inject
    JobRepository jobs;

    private String fileId;

    @BeforeEach
    void tenant() {
        TestTenants.actAs(TestTenants.create("t"));
        fileId = JobFlowTest.upload("{\"text\":\"hello\"}\n");
    }

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    @Transactional
    long jobCount() {
        return jobs.count();
    }

    private String job(String extra) {
        return "{\"model\":\"tiny-llama\",\"training_file\":\"" + fileId + "\"" + extra + "}";
    }

    private io.restassured.response.ValidatableResponse create(String extra) {
        return given().contentType(ContentType.JSON).body(job(extra)).post("/v1/fine_tuning/jobs").then();
    }

    @Test
    void supervisedAndDpoTrainAndOtherMethodsAreRefusedSayingSo() {
        long before = jobCount();
        create(",\"method\":{\"type\":\"reinforcement\"}").statusCode(400).body("error.code", equalTo("unsupported_method"))
                .body("error.param", equalTo("method.type"));
        create(",\"method\":{\"type\":\"rlhf\"}").statusCode(400).body("error.param", equalTo("method.type"))
                .body("error.message", containsString("[supervised, dpo, reinforcement]"));
        create(",\"method\":{}").statusCode(400).body("error.param", equalTo("method.type"));
        create(",\"method\":\"supervised\"").statusCode(400).body("error.param", equalTo("method"));
        create(",\"method\":{\"type\":\"supervised\",\"dpo\":{}}").statusCode(400).body("error.param", equalTo("method.dpo"));
        create(",\"method\":{\"type\":\"dpo\",\"supervised\":{}}").statusCode(400)
                .body("error.param", equalTo("method.supervised"));
        // a DPO job trains on preference pairs, a supervised one on anything else: each refuses the other's file
        create(",\"method\":{\"type\":\"dpo\",\"dpo\":{\"hyperparameters\":{\"beta\":0.1}}}").statusCode(400)
                .body("error.param", equalTo("training_file")).body("error.message", containsString("preference pairs"));
        String preferences = JobFlowTest.upload("{\"prompt\":\"Hi\",\"chosen\":\"Ahoy!\",\"rejected\":\"Hello.\"}\n");
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"" + preferences + "\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(400).body("error.param", equalTo("training_file"))
                .body("error.message", containsString("preference (DPO) dataset"));
        // beta in (0, 2]; none for supervised; prefix tuning is not trained with DPO
        for (String beta : List.of("0", "-1", "2.5", "\"high\"")) {
            dpo(preferences, "{\"hyperparameters\":{\"beta\":" + beta + "}}", "").statusCode(400)
                    .body("error.param", org.hamcrest.Matchers.endsWith("hyperparameters.beta"));
        }
        create(",\"hyperparameters\":{\"beta\":0.1}").statusCode(400).body("error.param", equalTo("hyperparameters.beta"));
        dpo(preferences, "{}", ",\"adapter\":{\"type\":\"prefix\"}").statusCode(400).body("error.param", equalTo("adapter.type"));
        assertThat(jobCount()).isEqualTo(before);

        create(",\"method\":{\"type\":\"supervised\",\"supervised\":{\"hyperparameters\":{\"n_epochs\":2}}}")
                .statusCode(200)
                .body("method.type", equalTo("supervised"))
                .body("method.supervised.hyperparameters.n_epochs", equalTo(2))
                .body("method.supervised.hyperparameters.beta", equalTo(null));
        // DPO: beta as given, or OpenAI's default 0.1 for "auto", with the other hyperparameters
        dpo(preferences, "{\"hyperparameters\":{\"beta\":0.25,\"n_epochs\":3,\"batch_size\":1}}", "").statusCode(200)
                .body("method.type", equalTo("dpo"))
                .body("method.dpo.hyperparameters.beta", equalTo(0.25f))
                .body("method.dpo.hyperparameters.n_epochs", equalTo(3))
                .body("method.dpo.hyperparameters.batch_size", equalTo(1));
        String id = dpo(preferences, "{\"hyperparameters\":{\"beta\":\"auto\"}}", "").statusCode(200)
                .body("method.dpo.hyperparameters.beta", equalTo(0.1f)).extract().path("id");
        given().get("/v1/fine_tuning/jobs/{id}", id).then().statusCode(200).body("method.type", equalTo("dpo"));
    }

    private io.restassured.response.ValidatableResponse dpo(String file, String settings, String extra) {
        return given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"training_file\":\"" + file
                + "\",\"method\":{\"type\":\"dpo\",\"dpo\":" + settings + "}" + extra + "}").post("/v1/fine_tuning/jobs").then();
    }

    @Test
    void integrationsAreRefusedNotDropped() {
        long before = jobCount();
        create(",\"integrations\":[{\"type\":\"wandb\",\"wandb\":{\"project\":\"p\"}}]").statusCode(400)
                .body("error.param", equalTo("integrations"))
                .body("error.code", equalTo("unsupported_integration"))
                .body("error.message", containsString("\"wandb\""));
        create(",\"integrations\":{}").statusCode(400).body("error.param", equalTo("integrations"));
        assertThat(jobCount()).isEqualTo(before);
        create(",\"integrations\":[]").statusCode(200).body("integrations.size()", equalTo(0));
    }

    @Test
    void metadataIsCheckedStoredReturnedAndFiltersTheList() {
        long before = jobCount();
        StringBuilder seventeen = new StringBuilder("{");
        for (int i = 0; i < 17; i++) {
            seventeen.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        for (String bad : List.of("[]", "\"x\"", "{\"n\":1}", "{\"n\":null}", seventeen + "}",
                "{\"" + "k".repeat(65) + "\":\"v\"}", "{\"k\":\"" + "v".repeat(513) + "\"}", "{\"\":\"v\"}")) {
            create(",\"metadata\":" + bad).statusCode(400).body("error.param", equalTo("metadata"))
                    .body("error.type", equalTo("invalid_request_error"));
        }
        assertThat(jobCount()).isEqualTo(before);

        String a = create(",\"metadata\":{\"team\":\"support\",\"run\":\"1\"}").statusCode(200)
                .body("metadata", equalTo(Map.of("team", "support", "run", "1"))).extract().path("id");
        String b = create(",\"metadata\":{\"team\":\"support\",\"run\":\"2\"}").statusCode(200).extract().path("id");
        String c = create(",\"metadata\":{\"team\":\"sales\"}").statusCode(200).extract().path("id");
        String none = create("").statusCode(200).body("metadata", equalTo(Map.of())).extract().path("id");
        given().get("/v1/fine_tuning/jobs/{id}", a).then().statusCode(200).body("metadata.team", equalTo("support"));

        List<String> support = given().queryParam("metadata[team]", "support").get("/v1/fine_tuning/jobs").then()
                .statusCode(200).extract().path("data.id");
        assertThat(support).containsExactly(b, a);
        assertThat(given().queryParam("metadata[team]", "support").queryParam("metadata[run]", "1")
                .get("/v1/fine_tuning/jobs").then().statusCode(200).extract().<List<String>>path("data.id")).containsExactly(a);
        assertThat(given().queryParam("metadata[team]", "support").queryParam("limit", 1).queryParam("after", b)
                .get("/v1/fine_tuning/jobs").then().statusCode(200).extract().<List<String>>path("data.id")).containsExactly(a);
        assertThat(given().queryParam("metadata", "null").get("/v1/fine_tuning/jobs").then().statusCode(200)
                .extract().<List<String>>path("data.id")).contains(none).doesNotContain(a, b, c);
        given().queryParam("metadata", "x").get("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("metadata"));
        given().queryParam("metadata[" + "k".repeat(65) + "]", "v").get("/v1/fine_tuning/jobs").then().statusCode(400)
                .body("error.param", equalTo("metadata"));
    }
}
