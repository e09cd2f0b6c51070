package dev.loraforge.inference.rest;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.inference.OperatorToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.contracts.ContractSamples;
import dev.loraforge.contracts.inference.Generation;
import dev.loraforge.inference.support.Fixtures;
import dev.loraforge.inference.support.StandInArtifactStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Provider side of inference-service's contract (event-contracts' {@code dev.loraforge.contracts.inference}):
 * the golden request is served as sent (digests swapped for the fixtures'), and the answer, every
 * streamed event and a refusal have the shape of their golden samples.
 */
@QuarkusTest
@WithTestResource(StandInArtifactStore.class)
class ContractProviderTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode sampleRequest() {
        ObjectNode request = (ObjectNode) ContractSamples.json(ContractSamples.GENERATE_REQUEST);
        return request.put("base_digest", Fixtures.baseDigest).put("base_model", Fixtures.BASE_NAME)
                .put("adapter_digest", Fixtures.pirate.digest());
    }

    private static void assertShape(String sample, JsonNode actual) {
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(sample), actual))
                .as("%s against %s", actual, sample).isEmpty();
    }

    @Test
    void theGoldenRequestIsServedAndTheAnswersHaveTheSamplesShape() throws Exception {
        JsonNode answer = JSON.readTree(given().contentType(ContentType.JSON).body(sampleRequest().toString())
                .post(Generation.PATH).then().statusCode(200).contentType(ContentType.JSON).extract().asString());
        assertShape(ContractSamples.GENERATION, answer);
        assertThat(answer.path("choices")).as("the sample asks for n = 2").hasSize(2);
        assertThat(answer.path("completion_tokens").asInt()).isBetween(2, 16);
        assertThat(answer.path("choices").get(0).path("logprobs").get(0).path("top_logprobs")).hasSize(2);

        String events = given().contentType(ContentType.JSON).body(sampleRequest().put("stream", true).toString())
                .post(Generation.PATH).then().statusCode(200).contentType("text/event-stream").extract().asString();
        List<JsonNode> data = new ArrayList<>();
        for (String line : events.split("\n")) {
            if (line.startsWith("data:")) {
                data.add(JSON.readTree(line.substring(5).trim()));
            }
        }
        assertThat(data).hasSizeGreaterThan(2);
        for (JsonNode e : data) {
            assertShape(e.path("type").asText().equals("done") ? ContractSamples.EVENT_DONE : ContractSamples.EVENT_DELTA, e);
        }
        assertThat(data.stream().filter(e -> e.path("type").asText().equals("done")).map(e -> e.path("index").asInt()))
                .containsExactlyInAnyOrder(0, 1);
        assertThat(data.get(data.size() - 1).path("type").asText()).isEqualTo("done");

        JsonNode refused = JSON.readTree(given().contentType(ContentType.JSON)
                .body(sampleRequest().put("base_digest", "sha256:abc").toString())
                .post(Generation.PATH).then().statusCode(400).contentType("application/problem+json").extract().asString());
        assertShape(ContractSamples.INFERENCE_PROBLEM, refused);
        assertThat(refused.path("param").asText()).isEqualTo("base_digest");
    }
}
