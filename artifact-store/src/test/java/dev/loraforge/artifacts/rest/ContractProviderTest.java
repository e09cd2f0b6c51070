package dev.loraforge.artifacts.rest;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.artifacts.OperatorToken;
import static dev.loraforge.artifacts.testing.Registry.blob;
import static dev.loraforge.artifacts.testing.Registry.dataset;
import static dev.loraforge.artifacts.testing.Registry.quantized;
import static dev.loraforge.artifacts.testing.Registry.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.artifacts.testing.ModelFiles;
import dev.loraforge.contracts.ContractSamples;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Provider side of artifact-store's contract: every golden sample of event-contracts'
 * {@link ContractSamples} is sent to (requests) or compared with (answers) the real service, so the
 * records, the declarative client and the callers' stand-ins cannot drift from what it does.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ContractProviderTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode answer(Response response, int status) throws Exception {
        response.then().statusCode(status);
        return JSON.readTree(response.asString());
    }

    private static void assertShape(String sample, JsonNode actual) {
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(sample), actual))
                .as("%s against %s", actual, sample).isEmpty();
    }

    @Test
    void theAnswersHaveTheShapeOfTheGoldenSamples() throws Exception {
        // a base model registered with the sample request, the path pointing at a real directory
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "model-dirs").toAbsolutePath()),
                "contract");
        ModelFiles.tinyLlama(dir, "float32", 1, 3);
        ObjectNode register = (ObjectNode) ContractSamples.json(ContractSamples.BASE_MODEL_REQUEST);
        String baseName = "contract-" + unique();
        register.put("name", baseName).put("path", dir.toString());
        JsonNode base = answer(given().contentType(ContentType.JSON).body(register.toString())
                .post("/api/v1/base-models"), 201);
        assertShape(ContractSamples.BASE_MODEL, base);
        assertShape(ContractSamples.BASE_MODEL, answer(given().get("/api/v1/base-models/{n}", baseName), 200));
        assertThat(answer(given().get("/api/v1/base-models"), 200)).allSatisfy(m -> assertShape(ContractSamples.BASE_MODEL, m));

        // a blob
        JsonNode stored = answer(given().contentType("application/octet-stream").body(("adapter " + unique()).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .put("/api/v1/blobs"), 201);
        assertShape(ContractSamples.BLOB, stored);

        // the sample adapter, its references swapped for real ones
        String tenant = "tenant-" + unique();
        String data = dataset(tenant, "contract-data-" + unique());
        ObjectNode adapter = (ObjectNode) ContractSamples.json(ContractSamples.NEW_ARTIFACT);
        String id = "adapter-" + unique() + unique();
        adapter.put("id", id).put("digest", stored.path("digest").asText()).put("tenant_id", tenant)
                .put("job_id", "ftjob-" + unique());
        ArrayNode parents = (ArrayNode) adapter.get("parents");
        ((ObjectNode) parents.get(0)).put("id", base.path("id").asText());
        ((ObjectNode) parents.get(1)).put("id", data);
        JsonNode created = answer(given().contentType(ContentType.JSON).header("X-Tenant-Id", tenant)
                .body(adapter.toString()).post("/api/v1/artifacts"), 201);
        assertShape(ContractSamples.ARTIFACT, created);
        // the same client-chosen id and content again: 200, the same artifact (a safe retry)
        JsonNode again = answer(given().contentType(ContentType.JSON).header("X-Tenant-Id", tenant)
                .body(adapter.toString()).post("/api/v1/artifacts"), 200);
        assertThat(again.path("id").asText()).isEqualTo(id);
        assertShape(ContractSamples.ARTIFACT, answer(given().header("X-Tenant-Id", tenant)
                .get("/api/v1/artifacts/{id}", id), 200));

        // a listing, a lineage, a refusal
        String q = quantized(base.path("id").asText(), "nf4");
        JsonNode list = answer(given().get("/api/v1/artifacts?kind=quantized_model&parent={p}&scheme=nf4",
                base.path("id").asText()), 200);
        assertThat(list.get(0).path("id").asText()).isEqualTo(q);
        assertShape(ContractSamples.ARTIFACTS, list);
        JsonNode lineage = answer(given().header("X-Tenant-Id", tenant)
                .get("/api/v1/artifacts/{id}/lineage?direction=ancestors", id), 200);
        assertThat(lineage.path("nodes")).hasSize(3);
        assertShape(ContractSamples.LINEAGE, lineage);
        Response refused = given().contentType(ContentType.JSON).body("{\"name\":\"x\",\"digest\":\"" + blob("x")
                + "\"}").post("/api/v1/artifacts");
        refused.then().contentType("application/problem+json");
        JsonNode problem = answer(refused, 400);
        assertShape(ContractSamples.PROBLEM, problem);
        assertThat(problem.path("errors").get(0).path("field").asText()).isEqualTo("kind");
    }

    @Test
    void modelUploadAnswersHaveTheShapeOfTheGoldenSamples() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "model-dirs").toAbsolutePath()),
                "contract-upload");
        ModelFiles.tinyLlama(dir, "float32", 1, 4);
        java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
        dev.loraforge.events.DirectoryArchive.write(dir, tar);
        ObjectNode request = (ObjectNode) ContractSamples.json(ContractSamples.MODEL_UPLOAD_REQUEST);
        request.put("name", "contract/upload-" + unique()).put("bytes", tar.size());
        JsonNode created = answer(given().contentType(ContentType.JSON).body(request.toString())
                .post("/api/v1/model-uploads"), 201);
        assertShape(ContractSamples.MODEL_UPLOAD, created);
        String id = created.path("id").asText();
        JsonNode part = answer(given().contentType("application/octet-stream").body(tar.toByteArray())
                .post("/api/v1/model-uploads/{id}/parts", id), 201);
        assertShape(ContractSamples.MODEL_UPLOAD, answer(given().get("/api/v1/model-uploads/{id}", id), 200));
        ObjectNode complete = (ObjectNode) ContractSamples.json(ContractSamples.MODEL_UPLOAD_COMPLETE);
        complete.putArray("part_ids").add(part.path("id").asText());
        JsonNode done = answer(given().contentType(ContentType.JSON).body(complete.toString())
                .post("/api/v1/model-uploads/{id}/complete", id), 200);
        assertShape(ContractSamples.MODEL_UPLOAD, done);
        assertThat(done.path("status").asText()).isEqualTo("completed");
    }
}
