package dev.loraforge.inference.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.loraforge.inference.OperatorToken;
import dev.loraforge.inference.support.Fixtures;
import dev.loraforge.inference.support.StandInArtifactStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching's admission on the real engine, with the test profile's batch of 4, queue of 8 and cache budget
 * of 400 positions (the tiny model has 512): a request that can never fit is a 429 naming max_tokens; a burst of 24 gets 200s and 429s with
 * Retry-After, never an error or a timeout; the batch serves again once the burst is over.
 */
@QuarkusTest
@WithTestResource(StandInArtifactStore.class)
class BatchAdmissionTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static String body(String adapter, int maxTokens) {
        return GenerateResourceTest.chat(adapter, Fixtures.pirate.questions().get(0)).put("max_tokens", maxTokens).toString();
    }

    @Test
    void overBudgetAndOverfullRequestsAre429sWithRetryAfter() throws Exception {
        given().contentType(ContentType.JSON).body(body(Fixtures.pirate.digest(), 1500)).post("/internal/v1/generate")
                .then().statusCode(429).contentType("application/problem+json").header("Retry-After", "1")
                .body("code", equalTo("kv_budget_exceeded")).body("param", equalTo("max_tokens"))
                .body("detail", containsString("budget of 400"));

        int clients = 24;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Response>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                String adapter = i % 2 == 0 ? Fixtures.pirate.digest() : Fixtures.butler.digest();
                answers.add(pool.submit(() -> {
                    go.await();
                    return given().contentType(ContentType.JSON).body(body(adapter, 100)).post("/internal/v1/generate");
                }));
            }
            go.countDown();
            int ok = 0;
            for (Future<Response> f : answers) {
                Response r = f.get(120, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.asString()).isIn(200, 429);
                if (r.statusCode() == 429) {
                    assertThat(r.header("Retry-After")).isEqualTo("1");
                    assertThat(r.jsonPath().getString("code")).isEqualTo("overloaded");
                } else {
                    ok++;
                }
            }
            assertThat(ok).as("the batch served someone").isPositive();
        } finally {
            pool.shutdownNow();
        }
        // the burst is over: its places were freed, the next request is served
        given().contentType(ContentType.JSON).body(body(Fixtures.butler.digest(), 100)).post("/internal/v1/generate")
                .then().statusCode(200).body("choices[0].text", equalTo(Fixtures.butler.answers().get(0)));
    }
}
