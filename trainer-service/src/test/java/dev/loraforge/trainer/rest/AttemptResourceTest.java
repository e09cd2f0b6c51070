package dev.loraforge.trainer.rest;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.trainer.OperatorToken;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.loraforge.kafka.KafkaBrokerResource;
import dev.loraforge.trainer.support.Jobs;
import dev.loraforge.trainer.support.StandInArtifactStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The operators' HTTP surface: attempts by job (the states of real runs are checked by the
 * messaging tests), health against the real broker and database.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class AttemptResourceTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    @Test
    void unknownJobAnswers404() {
        given().get("/api/v1/attempts/{id}", Jobs.newJobId()).then().statusCode(404);
    }

    @Test
    void readinessIsUpWithKafkaAndTheDatabase() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("Kafka"));
    }

    @Test
    void theOperatorsViewNeedsAServiceTokenForThisService() {
        io.restassured.RestAssured.requestSpecification = null; // no token unless a call adds one
        given().get("/api/v1/attempts/{id}", Jobs.newJobId()).then().statusCode(401)
                .contentType("application/problem+json").body("code", equalTo("service_token_invalid"));
        given().header("Authorization", dev.loraforge.contracts.auth.ServiceAuth.operatorAuthorization("quant-service"))
                .get("/api/v1/attempts/{id}", Jobs.newJobId()).then().statusCode(401);
    }
}
