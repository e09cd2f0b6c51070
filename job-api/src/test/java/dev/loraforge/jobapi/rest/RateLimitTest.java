package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.loraforge.jobapi.ratelimit.RateLimiter;
import dev.loraforge.jobapi.ratelimit.SharedRateLimiter;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-tenant rates: beyond them OpenAI's 429 with Retry-After, counted per tenant across replicas. */
@QuarkusTest
@TestProfile(RateLimitTest.LowLimits.class)
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class RateLimitTest {

    @Inject
    AgroalDataSource database;

    /** Two uploads a minute. */
    public static class LowLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("jobapi.rate-limits.uploads-per-minute", "2");
        }
    }

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
    }

    private static io.restassured.response.Response upload() {
        return given().multiPart("purpose", "fine-tune")
                .multiPart("file", "t.jsonl", "{\"text\":\"hi\"}\n".getBytes(StandardCharsets.UTF_8)).post("/v1/files");
    }

    @Test
    void uploadsBeyondTheRateAre429sWithRetryAfterAndOtherTenantsAreNotAffected() {
        TestTenants.actAs(TestTenants.create("rl"));
        upload().then().statusCode(200).header("x-ratelimit-limit-requests", "2")
                .header("x-ratelimit-remaining-requests", "1");
        upload().then().statusCode(200).header("x-ratelimit-remaining-requests", "0");
        upload().then().statusCode(429)
                .header("Retry-After", org.hamcrest.Matchers.matchesPattern("[1-9]|[12][0-9]|30"))
                .body("error.type", equalTo("requests"))
                .body("error.code", equalTo("rate_limit_exceeded"))
                .body("error.message", containsString("2 per minute"));
        // reads are not limited
        given().get("/v1/files").then().statusCode(200);

        TestTenants.actAs(TestTenants.create("rl-other"));
        upload().then().statusCode(200);
    }

    @Test
    void replicasCountAgainstOneRate() {
        TestTenants.Tenant tenant = TestTenants.create("rl-shared");
        TestTenants.actAs(tenant);
        SharedRateLimiter otherReplica = new SharedRateLimiter(database); // another job-api on the same database
        assertThat(otherReplica.take(tenant.id(), "file uploads", 2).allowed()).isTrue();

        upload().then().statusCode(200).header("x-ratelimit-remaining-requests", "0");
        upload().then().statusCode(429);
        RateLimiter.Decision refused = otherReplica.take(tenant.id(), "file uploads", 2);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterSeconds()).isBetween(1L, 30L);
        assertThat(otherReplica.take(tenant.id(), "completions", 2).allowed()).as("another kind has its own rate").isTrue();
    }
}
