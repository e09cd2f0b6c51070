package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.jobapi.repository.JobEntity;
import dev.loraforge.jobapi.repository.JobRepository;
import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.jobapi.support.FakeInferenceService;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/chat/completions} and {@code /v1/completions} against a stand-in inference-service:
 * model resolution per tenant, parameter validation, OpenAI's objects whole and streamed, and 503
 * when inference-service cannot be reached.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
@WithTestResource(FakeInferenceService.class)
class CompletionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADAPTER_DIGEST = "sha256:" + "a".repeat(64);

    @Inject
    JobRepository jobs;

    @Inject
    dev.loraforge.jobapi.repository.CheckpointRepository checkpoints;

    @AfterEach
    void reset() {
        RestAssured.requestSpecification = null;
        FakeInferenceService.down = false;
    }

    /** A succeeded job of the current tenant with an adapter; returns its fine-tuned model id. */
    private String fineTunedModel(String tenantName) {
        String fileId = JobFlowTest.upload("{\"text\":\"hello\"}\n");
        String jobId = JobFlowTest.createJob(fileId);
        String model = "ft:tiny-llama:" + tenantName + ":" + jobId;
        QuarkusTransaction.requiringNew().run(() -> {
            JobEntity job = jobs.findById(jobId);
            job.status = "succeeded";
            job.fineTunedModel = model;
            job.adapterId = "adapter-" + jobId;
            job.adapterDigest = ADAPTER_DIGEST;
            job.finishedAt = OffsetDateTime.now();
        });
        return model;
    }

    private static String chatBody(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"How is the sea?\"}]}]" + extra + "}";
    }

    @Test
    void chatCompletionOnTheTenantsFineTunedModel() {
        TestTenants.actAs(TestTenants.create("chat"));
        String model = fineTunedModel("chat");
        given().contentType(ContentType.JSON)
                .body(chatBody(model, ",\"max_tokens\":40,\"temperature\":0,\"top_p\":0.5,\"seed\":7,\"stop\":\"\\n\","
                        + "\"chat_template_kwargs\":{\"enable_thinking\":false}"))
                .post("/v1/chat/completions").then().statusCode(200)
                .body("id", startsWith("chatcmpl-"))
                .body("object", equalTo("chat.completion"))
                .body("model", equalTo(model))
                .body("choices[0].index", equalTo(0))
                .body("choices[0].message.role", equalTo("assistant"))
                .body("choices[0].message.content", equalTo(FakeInferenceService.text()))
                .body("choices[0].finish_reason", equalTo("stop"))
                .body("usage.prompt_tokens", equalTo(FakeInferenceService.PROMPT_TOKENS))
                .body("usage.completion_tokens", equalTo(3))
                .body("usage.total_tokens", equalTo(FakeInferenceService.PROMPT_TOKENS + 3));
        JsonNode sent = FakeInferenceService.lastRequest;
        assertThat(sent.path("base_digest").asText()).isEqualTo(StandInArtifactStore.BASE_DIGEST);
        assertThat(sent.path("base_model").asText()).isEqualTo(StandInArtifactStore.BASE_MODEL);
        assertThat(sent.path("adapter_digest").asText()).isEqualTo(ADAPTER_DIGEST);
        assertThat(sent.path("messages").toString())
                .isEqualTo("[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"How is the sea?\"}]");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(40);
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.0);
        assertThat(sent.path("top_p").asDouble()).isEqualTo(0.5);
        assertThat(sent.path("seed").asLong()).isEqualTo(7);
        assertThat(sent.path("stop").toString()).isEqualTo("[\"\\n\"]");
        assertThat(sent.path("chat_template_kwargs").toString()).isEqualTo("{\"enable_thinking\":false}");
    }

    @Test
    void aBaseModelIsServedWithoutAdapter() {
        TestTenants.actAs(TestTenants.create("base"));
        given().contentType(ContentType.JSON).body("{\"model\":\"tiny-llama\",\"prompt\":\"Once upon\",\"max_tokens\":3}")
                .post("/v1/completions").then().statusCode(200)
                .body("id", startsWith("cmpl-"))
                .body("object", equalTo("text_completion"))
                .body("model", equalTo("tiny-llama"))
                .body("choices[0].text", equalTo(FakeInferenceService.text()))
                .body("choices[0].finish_reason", equalTo("stop"))
                .body("usage.total_tokens", equalTo(FakeInferenceService.PROMPT_TOKENS + 3));
        JsonNode sent = FakeInferenceService.lastRequest;
        assertThat(sent.path("adapter_digest").isNull()).isTrue();
        assertThat(sent.path("prompt").asText()).isEqualTo("Once upon");
        assertThat(sent.path("temperature").isNull() || sent.path("temperature").isMissingNode())
                .as("OpenAI's default temperature is inference-service's: none is sent").isTrue();
    }

    @Test
    void anotherTenantsOrAnUnknownModelIs404ModelNotFound() {
        TestTenants.actAs(TestTenants.create("owner"));
        String model = fineTunedModel("owner");
        TestTenants.actAs(TestTenants.create("other"));
        FakeInferenceService.lastRequest = null;
        for (String name : List.of(model, "ft:tiny-llama:other:ftjob-unknown", "no-such-base")) {
            given().contentType(ContentType.JSON).body(chatBody(name, ""))
                    .post("/v1/chat/completions").then().statusCode(404)
                    .body("error.code", equalTo("model_not_found"))
                    .body("error.type", equalTo("invalid_request_error"))
                    .body("error.param", equalTo("model"))
                    .body("error.message", containsString(name));
        }
        given().contentType(ContentType.JSON).body("{\"model\":\"" + model + "\",\"prompt\":\"x\"}")
                .post("/v1/completions").then().statusCode(404).body("error.code", equalTo("model_not_found"));
        assertThat(FakeInferenceService.lastRequest).as("nothing reached inference-service").isNull();
        given().auth().none().contentType(ContentType.JSON).body(chatBody("tiny-llama", "")).header("Authorization", "")
                .post("/v1/chat/completions").then().statusCode(401);
    }

    @Test
    void badParametersAre400NamingTheParameter() {
        TestTenants.actAs(TestTenants.create("params"));
        record Case(String path, String body, String param) {
        }
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        List<Case> cases = List.of(
                new Case("/v1/chat/completions", "{" + messages + "}", "model"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\",\"messages\":[]}", "messages"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"}", "messages"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}",
                        "messages[0].role"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\"}]}",
                        "messages[0].content"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"max_tokens\":0}", "max_tokens"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"max_completion_tokens\":1.5}",
                        "max_completion_tokens"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"temperature\":2.5}", "temperature"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"top_p\":\"high\"}", "top_p"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}",
                        "stop"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"stop\":[\"\"]}", "stop"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"seed\":\"seven\"}", "seed"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"stream\":\"yes\"}", "stream"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"n\":9}", "n"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"n\":0}", "n"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"logprobs\":1}", "logprobs"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"top_logprobs\":2}",
                        "top_logprobs"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages
                        + ",\"logprobs\":true,\"top_logprobs\":21}", "top_logprobs"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"presence_penalty\":2.5}",
                        "presence_penalty"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages + ",\"frequency_penalty\":\"-1\"}",
                        "frequency_penalty"),
                new Case("/v1/completions", "{\"model\":\"tiny-llama\",\"prompt\":\"x\",\"logprobs\":6}", "logprobs"),
                new Case("/v1/completions", "{\"model\":\"tiny-llama\",\"prompt\":\"x\",\"logprobs\":true}", "logprobs"),
                new Case("/v1/chat/completions", "{\"model\":\"tiny-llama\"," + messages
                        + ",\"stream_options\":{\"include_usage\":true}}", "stream_options"),
                new Case("/v1/completions", "{\"model\":\"tiny-llama\"}", "prompt"),
                new Case("/v1/completions", "{\"model\":\"tiny-llama\",\"prompt\":[\"a\",\"b\"]}", "prompt"),
                new Case("/v1/completions", "{\"model\":\"tiny-llama\",\"prompt\":\"x\",\"max_tokens\":100000}", "max_tokens"));
        FakeInferenceService.lastRequest = null;
        for (Case c : cases) {
            given().contentType(ContentType.JSON).body(c.body()).post(c.path()).then()
                    .statusCode(400)
                    .body("error.type", equalTo("invalid_request_error"))
                    .body("error.param", equalTo(c.param()))
                    .body("error.message", containsString(c.param().replaceAll("\\[.*", "")));
        }
        given().contentType(ContentType.JSON).body("{not json").post("/v1/chat/completions").then().statusCode(400)
                .body("error.type", equalTo("invalid_request_error"));
        assertThat(FakeInferenceService.lastRequest).as("nothing reached inference-service").isNull();
        // refusals of inference-service keep their parameter and code
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"" + FakeInferenceService.TOO_LONG + "\"}]}")
                .post("/v1/chat/completions").then().statusCode(400)
                .body("error.param", equalTo("messages"))
                .body("error.code", equalTo("context_length_exceeded"))
                .body("error.message", containsString("512 tokens"));
        // a full serving batch: OpenAI's 429 with Retry-After, which the SDKs retry
        given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"messages\":[{\"role\":\"user\",\"content\":\"" + FakeInferenceService.OVERLOADED + "\"}]}")
                .post("/v1/chat/completions").then().statusCode(429)
                .header("Retry-After", "1")
                .body("error.type", equalTo("requests"))
                .body("error.code", equalTo("rate_limit_exceeded"))
                .body("error.message", containsString("batch is full"));
    }

    @Test
    void aChatStreamIsOpenAiChunksEndingWithDone() throws Exception {
        TestTenants.actAs(TestTenants.create("stream"));
        String model = fineTunedModel("stream");
        String body = given().contentType(ContentType.JSON).accept(ContentType.JSON)
                .body(chatBody(model, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"))
                .post("/v1/chat/completions").then().statusCode(200)
                .contentType(containsString("text/event-stream")).extract().asString();
        List<String> data = data(body);
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            chunks.add(JSON.readTree(d));
        }
        assertThat(chunks).hasSize(1 + FakeInferenceService.PIECES.length + 2);
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.path("id").asText()).isEqualTo(chunks.get(0).path("id").asText()).startsWith("chatcmpl-");
            assertThat(c.path("model").asText()).isEqualTo(model);
        });
        assertThat(chunks.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= FakeInferenceService.PIECES.length; i++) {
            JsonNode choice = chunks.get(i).path("choices").get(0);
            assertThat(choice.path("finish_reason").isNull()).isTrue();
            text.append(choice.path("delta").path("content").asText());
        }
        assertThat(text.toString()).isEqualTo(FakeInferenceService.text());
        JsonNode finish = chunks.get(chunks.size() - 2).path("choices").get(0);
        assertThat(finish.path("finish_reason").asText()).isEqualTo("length");
        assertThat(finish.path("delta").isEmpty()).isTrue();
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertThat(usage.path("choices").isEmpty()).isTrue();
        assertThat(usage.path("usage").path("total_tokens").asInt()).isEqualTo(FakeInferenceService.PROMPT_TOKENS + 3);
        assertThat(FakeInferenceService.lastRequest.path("stream").asBoolean()).isTrue();
    }

    @Test
    void nChoicesWithLogprobsAndPenaltiesInChatsShape() {
        TestTenants.actAs(TestTenants.create("choices"));
        String model = fineTunedModel("choices");
        JsonNode answer = body(given().contentType(ContentType.JSON)
                .body(chatBody(model, ",\"n\":2,\"logprobs\":true,\"top_logprobs\":2,\"presence_penalty\":0.5,"
                        + "\"frequency_penalty\":-0.25,\"seed\":3"))
                .post("/v1/chat/completions").then().statusCode(200).extract().asString());
        JsonNode sent = FakeInferenceService.lastRequest;
        assertThat(sent.path("n").asInt()).isEqualTo(2);
        assertThat(sent.path("logprobs").asInt()).isEqualTo(2);
        assertThat(sent.path("presence_penalty").asDouble()).isEqualTo(0.5);
        assertThat(sent.path("frequency_penalty").asDouble()).isEqualTo(-0.25);
        assertThat(answer.path("choices")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode choice = answer.path("choices").get(i);
            assertThat(choice.path("index").asInt()).isEqualTo(i);
            assertThat(choice.path("message").path("content").asText()).isEqualTo(FakeInferenceService.text());
            JsonNode content = choice.path("logprobs").path("content");
            assertThat(content).hasSize(FakeInferenceService.PIECES.length);
            assertThat(choice.path("logprobs").has("refusal")).isTrue();
            for (int k = 0; k < content.size(); k++) {
                JsonNode token = content.get(k);
                assertThat(token.path("token").asText()).isEqualTo(FakeInferenceService.PIECES[k]);
                assertThat(token.path("logprob").asDouble()).isEqualTo(FakeInferenceService.logprobOf(k));
                assertThat(token.path("bytes")).hasSize(FakeInferenceService.PIECES[k].length());
                assertThat(token.path("top_logprobs")).hasSize(2);
                assertThat(token.path("top_logprobs").get(1).path("token").asText()).isEqualTo("alt1");
                assertThat(token.path("top_logprobs").get(1).path("bytes").isArray()).isTrue();
            }
        }
        assertThat(answer.path("usage").path("completion_tokens").asInt())
                .as("usage counts every choice's tokens, the prompt once").isEqualTo(2 * FakeInferenceService.PIECES.length);
        assertThat(answer.path("usage").path("prompt_tokens").asInt()).isEqualTo(FakeInferenceService.PROMPT_TOKENS);

        // logprobs true alone: the chosen tokens, no alternatives; without logprobs the field is null
        JsonNode plain = body(given().contentType(ContentType.JSON).body(chatBody(model, ",\"logprobs\":true"))
                .post("/v1/chat/completions").then().statusCode(200).extract().asString());
        assertThat(FakeInferenceService.lastRequest.path("logprobs").asInt()).isZero();
        assertThat(plain.path("choices").get(0).path("logprobs").path("content").get(0).path("top_logprobs")).isEmpty();
        JsonNode none = body(given().contentType(ContentType.JSON).body(chatBody(model, ""))
                .post("/v1/chat/completions").then().statusCode(200).extract().asString());
        assertThat(FakeInferenceService.lastRequest.path("logprobs").isNull()).isTrue();
        assertThat(none.path("choices").get(0).path("logprobs").isNull()).isTrue();
    }

    @Test
    void legacyCompletionLogprobsHaveTokensOffsetsAndTopMaps() throws Exception {
        TestTenants.actAs(TestTenants.create("legacy"));
        JsonNode answer = body(given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"prompt\":\"Once\",\"logprobs\":2}")
                .post("/v1/completions").then().statusCode(200).extract().asString());
        JsonNode lp = answer.path("choices").get(0).path("logprobs");
        List<String> tokens = new ArrayList<>();
        lp.path("tokens").forEach(t -> tokens.add(t.asText()));
        assertThat(tokens).containsExactly(FakeInferenceService.PIECES);
        int offset = 0;
        for (int k = 0; k < tokens.size(); k++) {
            assertThat(lp.path("token_logprobs").get(k).asDouble()).isEqualTo(FakeInferenceService.logprobOf(k));
            assertThat(lp.path("text_offset").get(k).asInt()).isEqualTo(offset);
            offset += tokens.get(k).length();
            JsonNode top = lp.path("top_logprobs").get(k);
            assertThat(top.size()).isEqualTo(2);
            assertThat(top.path(tokens.get(k)).asDouble()).isEqualTo(FakeInferenceService.logprobOf(k));
            assertThat(top.path("alt1").asDouble()).isEqualTo(FakeInferenceService.logprobOf(k) - 1);
        }
        // streamed: the offsets go on from chunk to chunk
        List<String> data = data(given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"prompt\":\"Once\",\"logprobs\":0,\"stream\":true}")
                .post("/v1/completions").then().statusCode(200).extract().asString());
        List<Integer> offsets = new ArrayList<>();
        for (String d : data.subList(0, FakeInferenceService.PIECES.length)) {
            JsonNode chunk = JSON.readTree(d).path("choices").get(0).path("logprobs");
            chunk.path("text_offset").forEach(o -> offsets.add(o.asInt()));
            assertThat(chunk.path("top_logprobs").get(0).isEmpty()).isTrue();
        }
        assertThat(offsets).containsExactly(0, FakeInferenceService.PIECES[0].length(),
                FakeInferenceService.PIECES[0].length() + FakeInferenceService.PIECES[1].length());
    }

    @Test
    void aStreamOfNChoicesIndexesEveryChunkAndCountsAllInItsUsage() throws Exception {
        TestTenants.actAs(TestTenants.create("nstream"));
        List<String> data = data(given().contentType(ContentType.JSON)
                .body(chatBody("tiny-llama", ",\"n\":3,\"logprobs\":true,\"stream\":true,"
                        + "\"stream_options\":{\"include_usage\":true}"))
                .post("/v1/chat/completions").then().statusCode(200).extract().asString());
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        StringBuilder[] texts = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        int[] roles = new int[3];
        int[] finishes = new int[3];
        int[] logprobs = new int[3];
        JsonNode usage = null;
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode chunk = JSON.readTree(d);
            if (chunk.path("choices").isEmpty()) {
                assertThat(usage).as("one usage chunk").isNull();
                usage = chunk.path("usage");
                continue;
            }
            assertThat(usage).as("the usage chunk comes last").isNull();
            JsonNode choice = chunk.path("choices").get(0);
            int i = choice.path("index").asInt();
            roles[i] += choice.path("delta").has("role") ? 1 : 0;
            texts[i].append(choice.path("delta").path("content").asText(""));
            finishes[i] += choice.path("finish_reason").isNull() ? 0 : 1;
            logprobs[i] += choice.path("logprobs").path("content").size();
        }
        for (int i = 0; i < 3; i++) {
            assertThat(texts[i].toString()).isEqualTo(FakeInferenceService.text());
            assertThat(roles[i]).isEqualTo(1);
            assertThat(finishes[i]).isEqualTo(1);
            assertThat(logprobs[i]).isEqualTo(FakeInferenceService.PIECES.length);
        }
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(3 * FakeInferenceService.PIECES.length);
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(FakeInferenceService.PROMPT_TOKENS
                + 3 * FakeInferenceService.PIECES.length);
    }

    private static JsonNode body(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aTextCompletionStreamHasTextChunks() throws Exception {
        TestTenants.actAs(TestTenants.create("textstream"));
        String body = given().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"prompt\":\"Once\",\"stream\":true}")
                .post("/v1/completions").then().statusCode(200).extract().asString();
        List<String> data = data(body);
        assertThat(data).hasSize(FakeInferenceService.PIECES.length + 2).endsWith("[DONE]");
        StringBuilder text = new StringBuilder();
        for (String d : data.subList(0, FakeInferenceService.PIECES.length)) {
            JsonNode chunk = JSON.readTree(d);
            assertThat(chunk.path("object").asText()).isEqualTo("text_completion");
            text.append(chunk.path("choices").get(0).path("text").asText());
        }
        assertThat(text.toString()).isEqualTo(FakeInferenceService.text());
        assertThat(JSON.readTree(data.get(data.size() - 2)).path("choices").get(0).path("finish_reason").asText())
                .isEqualTo("length");
    }

    @Test
    void inferenceServiceDownIs503InOpenAiShape() {
        TestTenants.actAs(TestTenants.create("down"));
        FakeInferenceService.down = true;
        given().contentType(ContentType.JSON).body(chatBody("tiny-llama", ""))
                .post("/v1/chat/completions").then().statusCode(503)
                .body("error.type", equalTo("server_error"))
                .body("error.code", equalTo("inference_unavailable"))
                .body("error.param", nullValue())
                .body("error.message", containsString("inference service is unavailable"));
        given().contentType(ContentType.JSON).body(chatBody("tiny-llama", ",\"stream\":true"))
                .post("/v1/chat/completions").then().statusCode(503)
                .body("error.code", equalTo("inference_unavailable"));
    }

    private static List<String> data(String sse) {
        List<String> data = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            }
        }
        return data;
    }

    @Test
    void aDeletedFineTunedModelIsNoLongerListedNorServedAndBaseModelsCannotBeDeleted() {
        TestTenants.Tenant owner = TestTenants.actAs(TestTenants.create("del"));
        String model = fineTunedModel(owner.id());
        given().contentType(ContentType.JSON).body(chatBody(model, "")).post("/v1/chat/completions").then().statusCode(200);

        TestTenants.actAs(TestTenants.create("del-other"));
        given().delete("/v1/models/{m}", model).then().statusCode(404).body("error.code", equalTo("model_not_found"));
        TestTenants.actAs(owner);

        given().delete("/v1/models/{m}", StandInArtifactStore.BASE_MODEL).then().statusCode(403)
                .body("error.code", equalTo("permission_denied"));
        given().get("/v1/models/{m}", StandInArtifactStore.BASE_MODEL).then().statusCode(200);

        given().delete("/v1/models/{m}", model).then().statusCode(200)
                .body("id", equalTo(model)).body("object", equalTo("model")).body("deleted", equalTo(true));
        given().get("/v1/models/{m}", model).then().statusCode(404);
        List<String> listed = given().get("/v1/models").then().statusCode(200).extract().path("data.id");
        assertThat(listed).contains(StandInArtifactStore.BASE_MODEL).doesNotContain(model);
        given().contentType(ContentType.JSON).body(chatBody(model, "")).post("/v1/chat/completions").then()
                .statusCode(404).body("error.code", equalTo("model_not_found"));
        given().delete("/v1/models/{m}", model).then().statusCode(404);
        given().delete("/v1/models/{m}", "no-such-base").then().statusCode(404);
    }

    @Test
    void aCheckpointModelServesTheCheckpointsAdapterForItsTenantOnly() {
        TestTenants.Tenant owner = TestTenants.actAs(TestTenants.create("ckpt"));
        String fileId = JobFlowTest.upload("{\"text\":\"hello\"}\n");
        String jobId = JobFlowTest.createJob(fileId);
        String checkpointDigest = "sha256:" + "c".repeat(64);
        String model = QuarkusTransaction.requiringNew().call(() -> {
            JobEntity job = jobs.findById(jobId);
            dev.loraforge.jobapi.repository.CheckpointEntity c = new dev.loraforge.jobapi.repository.CheckpointEntity();
            c.id = "ftckpt-" + jobId.substring(6);
            c.jobId = jobId;
            c.attempt = 1;
            c.step = 10;
            c.artifactId = "checkpoint-" + jobId;
            c.digest = checkpointDigest;
            c.metrics = "{}";
            c.createdAt = OffsetDateTime.now();
            checkpoints.persist(c);
            return dev.loraforge.jobapi.service.FineTunedNames.checkpoint(job, 10);
        });
        assertThat(model).endsWith(":ckpt-step-10");
        given().get("/v1/fine_tuning/jobs/{id}/checkpoints", jobId).then().statusCode(200)
                .body("data[0].fine_tuned_model_checkpoint", equalTo(model));
        given().contentType(ContentType.JSON).body(chatBody(model, "")).post("/v1/chat/completions").then()
                .statusCode(200).body("model", equalTo(model));
        assertThat(FakeInferenceService.lastRequest.path("adapter_digest").asText()).isEqualTo(checkpointDigest);
        given().get("/v1/models/{m}", model).then().statusCode(200).body("id", equalTo(model))
                .body("owned_by", equalTo(owner.id()));
        List<String> listed = given().get("/v1/models").then().statusCode(200).extract().path("data.id");
        assertThat(listed).doesNotContain(model);

        given().contentType(ContentType.JSON).body(chatBody(model.replace("ckpt-step-10", "ckpt-step-11"), ""))
                .post("/v1/chat/completions").then().statusCode(404).body("error.code", equalTo("model_not_found"));
        TestTenants.actAs(TestTenants.create("ckpt-other"));
        given().contentType(ContentType.JSON).body(chatBody(model, "")).post("/v1/chat/completions").then()
                .statusCode(404).body("error.code", equalTo("model_not_found"));
        given().get("/v1/models/{m}", model).then().statusCode(404);
        TestTenants.actAs(owner);
    }
}
