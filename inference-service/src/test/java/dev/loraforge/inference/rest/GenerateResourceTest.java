package dev.loraforge.inference.rest;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.inference.OperatorToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.inference.support.Fixtures;
import dev.loraforge.inference.support.StandInArtifactStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The internal generation API on the real engine: one tiny base, two adapters trained on it (pirate,
 * butler) applied per request, served concurrently; mismatched adapters refused; streaming.
 */
@QuarkusTest
@WithTestResource(StandInArtifactStore.class)
class GenerateResourceTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode chat(String adapterDigest, String question) {
        ObjectNode body = JSON.createObjectNode().put("base_digest", Fixtures.baseDigest).put("base_model", Fixtures.BASE_NAME)
                .put("max_tokens", 80).put("temperature", 0);
        body.put("adapter_digest", adapterDigest);
        body.putArray("messages").addObject().put("role", "user").put("content", question);
        return body;
    }

    /** The whole answer: {@code choices}, {@code prompt_tokens}, {@code completion_tokens}. */
    static JsonNode generateAll(ObjectNode body) {
        String text = given().contentType(ContentType.JSON).body(body.toString()).post("/internal/v1/generate")
                .then().statusCode(200).extract().asString();
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** The answer of a one-choice request: its choice's fields with the prompt's tokens. */
    static JsonNode generate(ObjectNode body) {
        JsonNode all = generateAll(body);
        assertThat(all.path("choices")).as("one choice: %s", all).hasSize(1);
        assertThat(all.path("completion_tokens").asInt()).isEqualTo(all.path("choices").get(0).path("completion_tokens").asInt());
        return ((ObjectNode) all.path("choices").get(0).deepCopy()).put("prompt_tokens", all.path("prompt_tokens").asInt());
    }

    @Test
    void eachAdapterReproducesItsTrainedAnswerAndTheyDiffer() {
        for (int q = 0; q < Fixtures.QUESTIONS; q++) {
            String question = Fixtures.pirate.questions().get(q);
            assertThat(Fixtures.butler.questions().get(q)).isEqualTo(question);
            JsonNode a = generate(chat(Fixtures.pirate.digest(), question));
            JsonNode b = generate(chat(Fixtures.butler.digest(), question));
            assertThat(a.path("text").asText()).isEqualTo(Fixtures.pirate.answers().get(q));
            assertThat(b.path("text").asText()).isEqualTo(Fixtures.butler.answers().get(q));
            assertThat(a.path("text").asText()).isNotEqualTo(b.path("text").asText());
            assertThat(a.path("finish_reason").asText()).isEqualTo("stop");
            assertThat(a.path("prompt_tokens").asInt()).isPositive();
            assertThat(a.path("completion_tokens").asInt()).isPositive();
        }
        JsonNode base = generate(chat(null, Fixtures.pirate.questions().get(0)).put("max_tokens", 20));
        assertThat(base.path("text").asText()).isNotEqualTo(Fixtures.pirate.answers().get(0))
                .isNotEqualTo(Fixtures.butler.answers().get(0));
        assertThat(base.path("completion_tokens").asInt()).isLessThanOrEqualTo(20);
    }

    @Test
    void anAdapterIsServedOnlyForATenantArtifactStoreLetsReadIt() throws Exception {
        String owned = StandInArtifactStore.putOwnedCopy(Fixtures.pirate.digest(), "tenant-a");
        ObjectNode body = chat(owned, Fixtures.pirate.questions().get(0));

        // another tenant first: the download as tenant-b is refused, nothing is kept
        given().contentType(ContentType.JSON).header("X-Tenant-Id", "tenant-b").body(body.toString())
                .post("/internal/v1/generate").then().statusCode(404).body("code", equalTo("model_not_found"))
                .body("detail", containsString("tenant tenant-b"));
        assertThat(StandInArtifactStore.STORE.downloads(owned)).isZero();
        // the owner is served the adapter's answer
        String text = given().contentType(ContentType.JSON).header("X-Tenant-Id", "tenant-a").body(body.toString())
                .post("/internal/v1/generate").then().statusCode(200).extract().path("choices[0].text");
        assertThat(text).isEqualTo(Fixtures.pirate.answers().get(0));
        // now it is on disk and in memory, yet neither another tenant nor a call without one gets it
        given().contentType(ContentType.JSON).header("X-Tenant-Id", "tenant-b").body(body.toString())
                .post("/internal/v1/generate").then().statusCode(404).body("code", equalTo("model_not_found"));
        given().contentType(ContentType.JSON).body(body.toString())
                .post("/internal/v1/generate").then().statusCode(404).body("detail", containsString("without a tenant"));
        given().contentType(ContentType.JSON).header("X-Tenant-Id", "tenant-a").body(body.toString())
                .post("/internal/v1/generate").then().statusCode(200);
        assertThat(StandInArtifactStore.STORE.downloads(owned)).isEqualTo(1);
        // a malformed tenant header is a 400 naming it
        given().contentType(ContentType.JSON).header("X-Tenant-Id", "tenant a/../b").body(body.toString())
                .post("/internal/v1/generate").then().statusCode(400).body("param", equalTo("X-Tenant-Id"));
    }

    @Test
    void aTrainingCheckpointServesTheAdapterItHolds() {
        String question = Fixtures.pirate.questions().get(1);
        JsonNode fromCheckpoint = generate(chat(Fixtures.pirateCheckpointDigest, question));
        assertThat(fromCheckpoint.path("text").asText()).isEqualTo(Fixtures.pirate.answers().get(1));
    }

    @Test
    void qwen3Gemma3AndPhi3BasesServeTheirAdapters() {
        for (var e : Fixtures.families.entrySet()) {
            Fixtures.Persona pirate = e.getValue().pirate();
            for (int q = 0; q < Fixtures.QUESTIONS; q++) {
                JsonNode a = generate(chat(pirate.digest(), pirate.questions().get(q))
                        .put("base_digest", e.getValue().baseDigest()));
                assertThat(a.path("text").asText()).as(e.getKey() + " question " + q + ": " + a).isEqualTo(pirate.answers().get(q));
                assertThat(a.path("finish_reason").asText()).isEqualTo("stop");
            }
        }
        assertThat(Fixtures.families).hasSize(3);
        // a llama adapter does not fit a phi3 base (no q_proj there)
        given().contentType(ContentType.JSON).body(chat(Fixtures.pirate.digest(), "hello")
                        .put("base_digest", Fixtures.families.get(dev.loraforge.engine.model.Family.PHI3).baseDigest()).toString())
                .post("/internal/v1/generate").then().statusCode(422)
                .body("code", equalTo("adapter_mismatch"))
                .body("detail", containsString("qkv_proj"));
    }

    @Test
    void chatTemplateKwargsReachTheTemplate() {
        ObjectNode plain = chat(null, "hello").put("base_digest", Fixtures.thinkingBaseDigest).put("max_tokens", 1);
        int without = generate(plain).path("prompt_tokens").asInt();
        ObjectNode noThinking = plain.deepCopy();
        noThinking.putObject("chat_template_kwargs").put("enable_thinking", false);
        int with = generate(noThinking).path("prompt_tokens").asInt();
        assertThat(with).as("the template added the empty think block").isGreaterThan(without + 2);
        ObjectNode thinking = plain.deepCopy();
        thinking.putObject("chat_template_kwargs").put("enable_thinking", true);
        assertThat(generate(thinking).path("prompt_tokens").asInt()).isEqualTo(without);
        ObjectNode reserved = plain.deepCopy();
        reserved.putObject("chat_template_kwargs").put("add_generation_prompt", false);
        given().contentType(ContentType.JSON).body(reserved.toString()).post("/internal/v1/generate").then().statusCode(400)
                .body("param", equalTo("chat_template_kwargs"));
        ObjectNode onPrompt = JSON.createObjectNode().put("base_digest", Fixtures.baseDigest).put("prompt", "hi");
        onPrompt.putObject("chat_template_kwargs").put("enable_thinking", false);
        given().contentType(ContentType.JSON).body(onPrompt.toString()).post("/internal/v1/generate").then().statusCode(400)
                .body("param", equalTo("chat_template_kwargs"));
    }

    @Test
    void interleavedConcurrentRequestsForTwoAdaptersEachGetTheirOwnAnswer() throws Exception {
        int requests = 8;
        CyclicBarrier start = new CyclicBarrier(requests);
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            List<Future<String>> answers = new ArrayList<>();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                Fixtures.Persona persona = i % 2 == 0 ? Fixtures.pirate : Fixtures.butler;
                int q = (i / 2) % Fixtures.QUESTIONS;
                expected.add(persona.answers().get(q));
                ObjectNode body = chat(persona.digest(), persona.questions().get(q));
                Callable<String> call = () -> {
                    start.await();
                    return generate(body).path("text").asText();
                };
                answers.add(pool.submit(call));
            }
            for (int i = 0; i < requests; i++) {
                assertThat(answers.get(i).get()).as("request %d", i).isEqualTo(expected.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
        JsonNode loaded = JSON.readTree(given().get("/internal/v1/loaded").then().statusCode(200).extract().asString());
        assertThat(loaded.path("base_models").toString()).contains(Fixtures.baseDigest);
        assertThat(loaded.path("adapters").toString()).contains(Fixtures.pirate.digest()).contains(Fixtures.butler.digest());
        assertThat(StandInArtifactStore.STORE.downloads(Fixtures.baseDigest)).as("the base is fetched and loaded once").isEqualTo(1);
        assertThat(StandInArtifactStore.STORE.downloads(Fixtures.pirate.digest())).isEqualTo(1);
    }

    @Test
    void anAdapterMadeForAnotherBaseIsRefusedClearly() {
        given().contentType(ContentType.JSON).body(chat(Fixtures.otherShapeDigest, "hello").toString())
                .post("/internal/v1/generate").then().statusCode(422)
                .contentType("application/problem+json")
                .body("code", equalTo("adapter_mismatch"))
                .body("detail", containsString("does not fit base model " + Fixtures.baseDigest))
                .body("detail", containsString("hidden 64"))
                .body("detail", containsString("shapes"));
        given().contentType(ContentType.JSON).body(chat(Fixtures.otherBaseNameDigest, "hello").toString())
                .post("/internal/v1/generate").then().statusCode(422)
                .body("code", equalTo("adapter_mismatch"))
                .body("detail", containsString("trained for base model 'some-other-model', not 'tiny-llama'"));
    }

    @Test
    void aStreamArrivesInSeveralPiecesThatMakeTheWholeAnswer() throws Exception {
        String question = Fixtures.butler.questions().get(1);
        String body = given().contentType(ContentType.JSON).body(chat(Fixtures.butler.digest(), question).put("stream", true).toString())
                .post("/internal/v1/generate").then().statusCode(200)
                .contentType(containsString("text/event-stream")).extract().asString();
        List<JsonNode> events = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ")) {
                events.add(JSON.readTree(line.substring(6)));
            }
        }
        List<JsonNode> deltas = events.stream().filter(e -> e.path("type").asText().equals("delta")).toList();
        assertThat(deltas.size()).as("pieces").isGreaterThan(3);
        StringBuilder text = new StringBuilder();
        deltas.forEach(d -> text.append(d.path("text").asText()));
        assertThat(text.toString()).isEqualTo(Fixtures.butler.answers().get(1));
        JsonNode done = events.get(events.size() - 1);
        assertThat(done.path("type").asText()).isEqualTo("done");
        assertThat(done.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(done.path("completion_tokens").asInt()).isGreaterThanOrEqualTo(deltas.size());
    }

    @Test
    void nChoicesEachSampleWithItsOwnSeedAndCountTogether() {
        ObjectNode greedy = chat(Fixtures.pirate.digest(), Fixtures.pirate.questions().get(2)).put("n", 2);
        JsonNode both = generateAll(greedy);
        assertThat(both.path("choices")).hasSize(2);
        for (JsonNode c : both.path("choices")) {
            assertThat(c.path("text").asText()).isEqualTo(Fixtures.pirate.answers().get(2));
        }
        assertThat(both.path("completion_tokens").asInt()).isEqualTo(both.path("choices").get(0).path("completion_tokens").asInt()
                + both.path("choices").get(1).path("completion_tokens").asInt());
        ObjectNode sampled = JSON.createObjectNode().put("base_digest", Fixtures.baseDigest).put("prompt", "Once upon a time")
                .put("max_tokens", 12).put("temperature", 1.0).put("seed", 40).put("n", 3);
        JsonNode three = generateAll(sampled);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode alone = generate(sampled.deepCopy().put("n", 1).put("seed", 40 + i));
            assertThat(three.path("choices").get(i).path("index").asInt()).isEqualTo(i);
            assertThat(three.path("choices").get(i).path("text").asText()).as("choice %d samples with seed + %d", i, i)
                    .isEqualTo(alone.path("text").asText());
            texts.add(alone.path("text").asText());
        }
        assertThat(texts).as("three seeds, not three copies").doesNotHaveDuplicates();
        assertThat(generateAll(sampled)).as("same seed, same choices").isEqualTo(three);
    }

    @Test
    void logprobsSpellTheTextAndTheGreedyTokenIsTheMostProbable() {
        ObjectNode body = chat(Fixtures.butler.digest(), Fixtures.butler.questions().get(0)).put("logprobs", 3);
        JsonNode choice = generate(body);
        assertThat(choice.path("text").asText()).isEqualTo(Fixtures.butler.answers().get(0));
        JsonNode logprobs = choice.path("logprobs");
        assertThat(logprobs).hasSize(choice.path("completion_tokens").asInt());
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (JsonNode t : logprobs) {
            t.path("bytes").forEach(b -> bytes.write(b.asInt()));
            assertThat(t.path("logprob").asDouble()).isLessThanOrEqualTo(0);
            JsonNode top = t.path("top_logprobs");
            assertThat(top).hasSize(3);
            assertThat(top.get(0).path("token").asText()).isEqualTo(t.path("token").asText());
            assertThat(top.get(0).path("logprob").asDouble()).isEqualTo(t.path("logprob").asDouble());
            assertThat(top.get(1).path("logprob").asDouble()).isLessThanOrEqualTo(top.get(0).path("logprob").asDouble());
        }
        assertThat(bytes.toString(java.nio.charset.StandardCharsets.UTF_8)).as("the tokens' bytes make the text")
                .isEqualTo(choice.path("text").asText());
        assertThat(generate(chat(Fixtures.butler.digest(), Fixtures.butler.questions().get(0))).has("logprobs"))
                .as("left out when not asked for").isFalse();
    }

    @Test
    void penaltiesReachTheSampler() {
        int changed = 0;
        for (int q = 0; q < Fixtures.QUESTIONS; q++) {
            ObjectNode body = chat(Fixtures.pirate.digest(), Fixtures.pirate.questions().get(q)).put("presence_penalty", 2.0)
                    .put("frequency_penalty", 2.0);
            changed += generate(body).path("text").asText().equals(Fixtures.pirate.answers().get(q)) ? 0 : 1;
        }
        assertThat(changed).as("strong penalties turn some memorised answer away from its repeated tokens").isPositive();
        given().contentType(ContentType.JSON).body(chat(null, "hi").put("presence_penalty", 2.5).toString())
                .post("/internal/v1/generate").then().statusCode(400).body("param", equalTo("presence_penalty"));
        given().contentType(ContentType.JSON).body(chat(null, "hi").put("n", 9).toString())
                .post("/internal/v1/generate").then().statusCode(400).body("param", equalTo("n"));
        given().contentType(ContentType.JSON).body(chat(null, "hi").put("logprobs", 21).toString())
                .post("/internal/v1/generate").then().statusCode(400).body("param", equalTo("logprobs"));
    }

    @Test
    void aStreamOfTwoChoicesInterleavesIndexedEventsWithTheirLogprobs() throws Exception {
        ObjectNode body = chat(Fixtures.pirate.digest(), Fixtures.pirate.questions().get(1)).put("n", 2).put("logprobs", 0)
                .put("stream", true);
        String sse = given().contentType(ContentType.JSON).body(body.toString()).post("/internal/v1/generate").then()
                .statusCode(200).extract().asString();
        StringBuilder[] texts = {new StringBuilder(), new StringBuilder()};
        int[] tokens = new int[2];
        int[] done = new int[2];
        for (String line : sse.split("\n")) {
            if (!line.startsWith("data: ")) {
                continue;
            }
            JsonNode e = JSON.readTree(line.substring(6));
            int i = e.path("index").asInt();
            if (e.path("type").asText().equals("delta")) {
                assertThat(done[i]).as("no delta after its choice's end").isZero();
                texts[i].append(e.path("text").asText());
                tokens[i] += e.path("logprobs").size();
                e.path("logprobs").forEach(t -> assertThat(t.path("top_logprobs")).isEmpty());
            } else {
                assertThat(e.path("type").asText()).isEqualTo("done");
                done[i]++;
                assertThat(e.path("completion_tokens").asInt()).isEqualTo(tokens[i]);
            }
        }
        for (int i = 0; i < 2; i++) {
            assertThat(texts[i].toString()).isEqualTo(Fixtures.pirate.answers().get(1));
            assertThat(done[i]).isEqualTo(1);
        }
    }

    @Test
    void stopStringsLengthLimitAndPlainPrompts() {
        String question = Fixtures.pirate.questions().get(0);
        String answer = Fixtures.pirate.answers().get(0);
        String stop = answer.substring(10, 14);
        ObjectNode stopped = chat(Fixtures.pirate.digest(), question);
        stopped.putArray("stop").add(stop);
        JsonNode s = generate(stopped);
        assertThat(s.path("text").asText()).isEqualTo(answer.substring(0, answer.indexOf(stop)));
        assertThat(s.path("finish_reason").asText()).isEqualTo("stop");
        JsonNode cut = generate(chat(Fixtures.pirate.digest(), question).put("max_tokens", 3));
        assertThat(cut.path("finish_reason").asText()).isEqualTo("length");
        assertThat(cut.path("completion_tokens").asInt()).isEqualTo(3);
        assertThat(answer).startsWith(cut.path("text").asText());
        ObjectNode plain = JSON.createObjectNode().put("base_digest", Fixtures.baseDigest).put("prompt", "Once upon a time")
                .put("max_tokens", 5).put("temperature", 0.8).put("seed", 42);
        JsonNode p1 = generate(plain);
        JsonNode p2 = generate(plain);
        assertThat(p1.path("text").asText()).isEqualTo(p2.path("text").asText());
        assertThat(p1.path("completion_tokens").asInt()).isBetween(1, 5);
    }

    @Test
    void badRequestsNameTheField() {
        given().contentType(ContentType.JSON).body("{\"base_digest\":\"abc\",\"prompt\":\"x\"}")
                .post("/internal/v1/generate").then().statusCode(400).body("param", equalTo("base_digest"));
        given().contentType(ContentType.JSON).body(chat(null, "x").put("temperature", 3).toString())
                .post("/internal/v1/generate").then().statusCode(400).body("param", equalTo("temperature"));
        ObjectNode badRole = chat(null, "x");
        ((ObjectNode) badRole.path("messages").get(0)).put("role", "tool");
        given().contentType(ContentType.JSON).body(badRole.toString())
                .post("/internal/v1/generate").then().statusCode(400).body("param", equalTo("messages[0].role"));
        given().contentType(ContentType.JSON).body(chat("sha256:" + "0".repeat(64), "x").toString())
                .post("/internal/v1/generate").then().statusCode(404).body("code", equalTo("model_not_found"))
                .body("param", equalTo("adapter"));
        given().contentType(ContentType.JSON).body(chat(null, "x").put("max_tokens", 0).toString())
                .post("/internal/v1/generate").then().statusCode(400).body("param", equalTo("max_tokens"));
    }

    @Test
    void healthMetricsAndOpenApi() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200).body(containsString("/internal/v1/generate"));
    }

    @Test
    void generationNeedsJobApisTokenForThisService() {
        io.restassured.RestAssured.requestSpecification = null; // no token unless a call adds one
        String body = "{\"base_digest\":\"sha256:" + "0".repeat(64) + "\",\"prompt\":\"hi\",\"max_tokens\":1}";
        given().contentType("application/json").body(body)
                .post("/internal/v1/generate").then().statusCode(401)
                .body("detail", org.hamcrest.Matchers.containsString("no service token"));
        // another service's credentials: job-api's token for artifact-store, and the trainer's, which may not call here
        String key = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("loraforge.service-auth.key", String.class);
        given().header("Authorization", new dev.loraforge.contracts.auth.ServiceTokens("job-api", key, java.time.Clock.systemUTC())
                        .authorization("artifact-store")).contentType("application/json").body(body)
                .post("/internal/v1/generate").then().statusCode(401)
                .body("detail", org.hamcrest.Matchers.containsString("not for 'inference-service'"));
        given().header("Authorization", new dev.loraforge.contracts.auth.ServiceTokens("trainer-service", key, java.time.Clock.systemUTC())
                        .authorization("inference-service")).contentType("application/json").body(body)
                .post("/internal/v1/generate").then().statusCode(401)
                .body("detail", org.hamcrest.Matchers.containsString("'trainer-service' may not call inference-service"));
        given().get("/q/health/live").then().statusCode(200);
    }
}
