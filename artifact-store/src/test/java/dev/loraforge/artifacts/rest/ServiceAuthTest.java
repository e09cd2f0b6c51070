package dev.loraforge.artifacts.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.loraforge.contracts.auth.ServiceAuth;
import dev.loraforge.contracts.auth.ServiceTokens;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * artifact-store answers only calls that carry a service token for it from a service it accepts: no token, a token
 * for another service, a token signed with another key, an expired one, or one from a caller it does not accept, are
 * each a 401 problem before any lookup; health stays open to probes.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ServiceAuthTest {

    private static String key() {
        return ConfigProvider.getConfig().getValue("loraforge.service-auth.key", String.class);
    }

    private static String token(String key, String issuer, String audience, Instant at) {
        return "Bearer " + ServiceTokens.issue(key.getBytes(StandardCharsets.UTF_8), issuer, audience, at,
                Duration.ofMinutes(5));
    }

    @BeforeEach
    void noDefaultToken() {
        RestAssured.requestSpecification = null;
    }

    @Test
    void callsWithoutAValidTokenForThisServiceAreRefused() {
        given().get("/api/v1/artifacts?limit=1000").then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("code", equalTo("service_token_invalid"))
                .body("detail", containsString("no service token"));
        given().get("/api/v1/blobs/sha256:" + "0".repeat(64)).then().statusCode(401);
        given().contentType("application/json").body("{\"name\":\"x\",\"path\":\"/root\"}")
                .post("/api/v1/base-models").then().statusCode(401);

        Instant now = Instant.now();
        // another service's credentials: the trainer's token for inference-service
        given().header("Authorization", token(key(), "trainer-service", "inference-service", now))
                .get("/api/v1/artifacts").then().statusCode(401)
                .body("detail", containsString("is for 'inference-service', not for 'artifact-store'"));
        given().header("Authorization", token("another-platform-key-of-forty-bytes-length", "trainer-service",
                        "artifact-store", now))
                .get("/api/v1/artifacts").then().statusCode(401).body("detail", containsString("signature"));
        given().header("Authorization", token(key(), "trainer-service", "artifact-store", now.minusSeconds(3600)))
                .get("/api/v1/artifacts").then().statusCode(401).body("detail", containsString("expired"));
        given().header("Authorization", token(key(), "webhook-relay", "artifact-store", now))
                .get("/api/v1/artifacts").then().statusCode(401).body("detail", containsString("may not call"));
        given().header("Authorization", "Basic b3BlcmF0b3I6b3BlcmF0b3I=")
                .get("/api/v1/artifacts").then().statusCode(401);

        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void aServiceItAcceptsIsServed() {
        given().header("Authorization", token(key(), "trainer-service", "artifact-store", Instant.now()))
                .get("/api/v1/artifacts?limit=1").then().statusCode(200);
        given().header("Authorization", ServiceAuth.operatorAuthorization("artifact-store"))
                .get("/api/v1/base-models").then().statusCode(200);
        given().header("Authorization", new ServiceTokens("job-api", key(), Clock.systemUTC()).authorization("artifact-store"))
                .get("/api/v1/warnings").then().statusCode(200);
    }

    @Test
    void aServiceSeesATenantsArtifactsOnlyWhenItActsForThatTenant() {
        dev.loraforge.artifacts.OperatorToken.use();
        String tenant = "tenant-scope-" + dev.loraforge.artifacts.testing.Registry.unique();
        String dataset = dev.loraforge.artifacts.testing.Registry.dataset(tenant, "scoped");
        String base = dev.loraforge.artifacts.testing.Registry.baseModel("scope-base-" + dev.loraforge.artifacts.testing.Registry.unique());
        RestAssured.requestSpecification = null;
        String trainer = token(key(), "trainer-service", "artifact-store", Instant.now());

        given().header("Authorization", trainer).get("/api/v1/artifacts/{id}", dataset).then().statusCode(404);
        given().header("Authorization", trainer).get("/api/v1/artifacts?kind=dataset&limit=1000").then().statusCode(200)
                .body("id", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem(dataset)))
                .body("tenant_id", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.nullValue()));
        given().header("Authorization", trainer).get("/api/v1/artifacts/{id}", base).then().statusCode(200);
        given().header("Authorization", trainer).header(TenantScope.HEADER, tenant)
                .get("/api/v1/artifacts/{id}", dataset).then().statusCode(200);
        given().header("Authorization", trainer).header(TenantScope.HEADER, "tenant-someone-else")
                .get("/api/v1/artifacts/{id}", dataset).then().statusCode(404);
        given().header("Authorization", trainer).get("/api/v1/artifacts/{id}/lineage", dataset).then().statusCode(404);
        given().header("Authorization", ServiceAuth.operatorAuthorization("artifact-store"))
                .get("/api/v1/artifacts/{id}", dataset).then().statusCode(200);
    }
}
