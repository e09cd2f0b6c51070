package dev.loraforge.inference.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.contracts.ContractSamples;
import dev.loraforge.contracts.inference.DatasetStats;
import dev.loraforge.engine.data.DatasetValidator;
import dev.loraforge.engine.data.EncodedExample;
import dev.loraforge.engine.data.EncodedPreference;
import dev.loraforge.engine.data.ExampleEncoder;
import dev.loraforge.engine.data.PreferenceEncoder;
import dev.loraforge.engine.fixtures.DemoDatasets;
import dev.loraforge.engine.tokenizer.ModelTokenizer;
import dev.loraforge.inference.OperatorToken;
import dev.loraforge.inference.support.Fixtures;
import dev.loraforge.inference.support.StandInArtifactStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /internal/v1/dataset-stats}: a dataset measured with the base's tokenizer and chat template exactly as the
 * trainer's encoder sees it (the engine's {@link ExampleEncoder}, the code the trainer runs, is the reference), and
 * refusals naming the field.
 */
@QuarkusTest
@WithTestResource(StandInArtifactStore.class)
class DatasetStatsResourceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static ObjectNode request(String training, String validation, int seqLen) {
        ObjectNode body = JSON.createObjectNode().put("base_digest", Fixtures.baseDigest).put("training_digest", training)
                .put("seq_len", seqLen);
        body.put("validation_digest", validation);
        return body;
    }

    private static JsonNode stats(ObjectNode body) throws Exception {
        return JSON.readTree(given().contentType(ContentType.JSON).body(body.toString()).post(DatasetStats.PATH).then()
                .statusCode(200).contentType(ContentType.JSON).extract().asString());
    }

    @Test
    void aChatDatasetIsMeasuredAsTheTrainerEncodesIt() throws Exception {
        String text = DemoDatasets.read(DemoDatasets.PIRATE);
        String training = StandInArtifactStore.STORE.putBlob(text.getBytes(StandardCharsets.UTF_8));
        int max = dev.loraforge.engine.model.LlamaConfig.load(Fixtures.baseDir).maxPositionEmbeddings();
        for (int seqLen : new int[] {24, max}) {
            JsonNode answer = stats(request(training, null, seqLen));
            assertThat(ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.DATASET_STATS), answer)).isEmpty();
            var examples = DatasetValidator.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), 10).examples();
            try (ModelTokenizer tokenizer = ModelTokenizer.load(Fixtures.baseDir)) {
                ExampleEncoder.Encoded reference = new ExampleEncoder(tokenizer, seqLen).encodeAll(examples);
                JsonNode t = answer.path("training");
                assertThat(t.path("lines").asInt()).isEqualTo(examples.size());
                assertThat(t.path("examples").asInt()).isEqualTo(reference.examples().size());
                assertThat(t.path("truncated").asInt()).isEqualTo(reference.truncated());
                assertThat(t.path("dropped").asInt()).isEqualTo(reference.dropped());
                assertThat(t.path("tokens").asLong())
                        .isEqualTo(reference.examples().stream().mapToLong(EncodedExample::length).sum());
                assertThat(t.path("target_tokens").asLong())
                        .isEqualTo(reference.examples().stream().mapToLong(EncodedExample::targetTokens).sum());
                assertThat(t.path("longest").asInt()).isPositive();
                if (seqLen == 24) {
                    assertThat(t.path("truncated").asInt()).as("demo conversations are longer than 24 tokens").isPositive();
                    assertThat(t.path("longest").asInt()).isGreaterThan(24);
                }
            }
            assertThat(answer.path("validation").isNull()).isTrue();
        }
    }

    @Test
    void aPreferenceFileIsMeasuredAsTheDpoLoopEncodesItsPairs() throws Exception {
        java.util.List<String> chat = new java.util.ArrayList<>();
        java.util.List<String> plain = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String question = "Greet me, sailor number " + i + "!".repeat(i * 3);
            chat.add("{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]},"
                    + "\"preferred_output\":[{\"role\":\"assistant\",\"content\":\"Ahoy, matey " + i + "!\"}],"
                    + "\"non_preferred_output\":[{\"role\":\"assistant\",\"content\":\"Good day to you.\"}]}");
            plain.add("{\"prompt\":\"" + question + "\",\"chosen\":\"Arr, " + i + " doubloons\",\"rejected\":\"No.\"}");
        }
        for (java.util.List<String> lines : java.util.List.of(chat, plain)) {
            String text = String.join("\n", lines) + "\n";
            var parsed = DatasetValidator.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), 10).preferences();
            String training = StandInArtifactStore.STORE.putBlob(text.getBytes(StandardCharsets.UTF_8));
            int max = dev.loraforge.engine.model.LlamaConfig.load(Fixtures.baseDir).maxPositionEmbeddings();
            try (ModelTokenizer tokenizer = ModelTokenizer.load(Fixtures.baseDir)) {
                PreferenceEncoder encoder = new PreferenceEncoder(tokenizer, max);
                var full = parsed.stream().map(encoder::encodeFull).toList();
                int promptAndResponse = full.stream().mapToInt(e -> e.promptIds().length + e.chosenIds().length).max().orElseThrow();
                int shortest = full.stream().mapToInt(e -> e.promptIds().length).min().orElseThrow();
                for (int seqLen : new int[] {max, shortest + 1}) {
                    JsonNode t = stats(request(training, null, seqLen)).path("training");
                    PreferenceEncoder.Encoded reference = new PreferenceEncoder(tokenizer, seqLen).encodeAll(parsed);
                    assertThat(t.path("lines").asInt()).isEqualTo(lines.size());
                    assertThat(t.path("examples").asInt()).isEqualTo(reference.pairs().size()).isPositive();
                    assertThat(t.path("dropped").asInt()).isEqualTo(reference.dropped());
                    assertThat(t.path("truncated").asInt()).isEqualTo(reference.truncated());
                    assertThat(t.path("tokens").asLong())
                            .isEqualTo(reference.pairs().stream().mapToLong(EncodedPreference::tokens).sum());
                    assertThat(t.path("target_tokens").asLong()).isEqualTo(reference.pairs().stream()
                            .mapToLong(p -> p.chosenIds().length + p.rejectedIds().length).sum());
                    assertThat(t.path("longest").asInt()).isGreaterThanOrEqualTo(promptAndResponse);
                    if (seqLen != max) {
                        assertThat(t.path("truncated").asInt()).as("one response token left each").isPositive();
                    }
                }
            }
        }
    }

    @Test
    void aValidationFileIsMeasuredToo() throws Exception {
        String lines = "{\"prompt\":\"Say arr\",\"completion\":\" Arr!\"}\n{\"prompt\":\"Say ho\",\"completion\":\" Ho!\"}\n";
        String digest = StandInArtifactStore.STORE.putBlob(lines.getBytes(StandardCharsets.UTF_8));
        JsonNode answer = stats(request(digest, digest, 128));
        assertThat(answer.path("validation")).isEqualTo(answer.path("training"));
        assertThat(answer.path("training").path("examples").asInt()).isEqualTo(2);
        assertThat(answer.path("training").path("target_tokens").asLong()).isPositive()
                .isLessThan(answer.path("training").path("tokens").asLong());
    }

    @Test
    void refusalsNameTheField() {
        String digest = StandInArtifactStore.STORE.putBlob("{\"text\":\"x\"}\n".getBytes(StandardCharsets.UTF_8));
        given().contentType(ContentType.JSON).body(request("sha256:abc", null, 64).toString()).post(DatasetStats.PATH)
                .then().statusCode(400).contentType("application/problem+json").body("param", equalTo("training_digest"));
        given().contentType(ContentType.JSON).body(request(digest, null, 0).toString()).post(DatasetStats.PATH)
                .then().statusCode(400).body("param", equalTo("seq_len"));
        given().contentType(ContentType.JSON).body(request(digest, null, 1).toString()).post(DatasetStats.PATH)
                .then().statusCode(400).body("param", equalTo("seq_len")).body("detail", containsString("2 to"));
        given().contentType(ContentType.JSON).body(request(digest, null, 100_000).toString()).post(DatasetStats.PATH)
                .then().statusCode(400).body("param", equalTo("seq_len"));
        given().contentType(ContentType.JSON).body(request("sha256:" + "0".repeat(64), null, 64).toString())
                .post(DatasetStats.PATH).then().statusCode(404).body("param", equalTo("training_digest"));
        String broken = StandInArtifactStore.STORE.putBlob("{\"text\":\n".getBytes(StandardCharsets.UTF_8));
        given().contentType(ContentType.JSON).body(request(broken, null, 64).toString()).post(DatasetStats.PATH)
                .then().statusCode(400).body("param", equalTo("training_digest"));
        given().contentType(ContentType.JSON).body(request(digest, null, 64).put("chat_template_kwargs", 5).toString())
                .post(DatasetStats.PATH).then().statusCode(400);
        given().contentType(ContentType.JSON).body(request(digest, null, 64).toString()).post(DatasetStats.PATH)
                .then().statusCode(200).body("validation", nullValue());
    }
}
