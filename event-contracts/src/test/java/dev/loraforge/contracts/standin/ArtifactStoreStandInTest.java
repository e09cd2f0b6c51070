package dev.loraforge.contracts.standin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loraforge.contracts.ContractSamples;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The stand-in the services' tests share keeps artifact-store's rules and answers in the contract's shapes. */
class ArtifactStoreStandInTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ArtifactStoreStandIn store = ArtifactStoreStandIn.shared();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void registrationsFollowTheRegistryRulesAndRepeatIdempotently() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        String base = store.register("base_model", "base-" + tenant, store.putBlob(("base " + tenant).getBytes()), null);
        String data = store.register("dataset", "data.jsonl", store.putBlob(("data " + tenant).getBytes()), tenant);
        ObjectNode checkpoint = (ObjectNode) ContractSamples.json(ContractSamples.NEW_ARTIFACT);
        checkpoint.put("id", "ckpt-" + UUID.randomUUID()).put("kind", "checkpoint").put("tenant_id", tenant)
                .put("digest", store.putBlob(("ckpt " + tenant).getBytes()));
        checkpoint.putObject("metadata");
        checkpoint.putArray("parents").add(parent(base, "base_model")).add(parent(data, "trained_on"));

        HttpResponse<String> refused = post(checkpoint, tenant);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(JSON.readTree(refused.body()).path("detail").asText()).contains("metadata.step");

        ((ObjectNode) checkpoint.get("metadata")).put("step", 10);
        HttpResponse<String> created = post(checkpoint, tenant);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.ARTIFACT),
                JSON.readTree(created.body()))).isEmpty();
        assertThat(post(checkpoint, tenant).statusCode()).as("the same registration again").isEqualTo(200);
        ((ObjectNode) checkpoint.get("metadata")).put("step", 20);
        assertThat(post(checkpoint, tenant).statusCode()).as("other content under the id").isEqualTo(409);
        assertThat(store.created(checkpoint.path("id").asText())).isEqualTo(1);
        assertThat(store.posts(checkpoint.path("id").asText())).as("registrations past the rules").isEqualTo(3);

        ((ObjectNode) checkpoint.get("parents").get(1)).put("relation", "quantized_from");
        checkpoint.put("id", "ckpt-" + UUID.randomUUID());
        assertThat(JSON.readTree(post(checkpoint, tenant).body()).path("detail").asText())
                .contains("parents[1].relation", "needs at least one 'trained_on' parent");
    }

    @Test
    void blobsAndLineageAreReadAsATenant() throws Exception {
        String owner = "o-" + UUID.randomUUID();
        String base = store.register("base_model", "base-" + owner, store.putBlob(("b " + owner).getBytes()), null);
        String data = store.register("dataset", "d.jsonl", store.putBlob(("d " + owner).getBytes()), owner);
        String adapterDigest = store.putBlob(("a " + owner).getBytes());
        ObjectNode adapter = JSON.createObjectNode().put("kind", "adapter").put("name", "ft").put("digest", adapterDigest)
                .put("tenant_id", owner).put("job_id", "ftjob-1");
        adapter.putArray("parents").add(parent(base, "base_model")).add(parent(data, "trained_on"));
        String id = store.register(adapter, owner).path("id").asText();

        assertThat(get("/api/v1/blobs/" + adapterDigest, owner).body()).isEqualTo("a " + owner);
        assertThat(get("/api/v1/blobs/" + adapterDigest, "someone-else").statusCode()).isEqualTo(404);
        HttpResponse<String> range = http.send(HttpRequest.newBuilder(URI.create(store.url() + "/api/v1/blobs/"
                + adapterDigest)).header("X-Tenant-Id", owner).header("Range", "bytes=0-0").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo("a");

        JsonNode lineage = JSON.readTree(get("/api/v1/artifacts/" + id + "/lineage", owner).body());
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.LINEAGE), lineage)).isEmpty();
        assertThat(lineage.path("nodes")).extracting(n -> n.path("id").asText()).containsExactlyInAnyOrder(id, base, data);
        assertThat(lineage.path("edges").findValuesAsText("relation")).containsExactlyInAnyOrder("base_model", "trained_on");
        assertThat(get("/api/v1/artifacts/" + id + "/lineage", "someone-else").statusCode()).isEqualTo(404);
    }

    private static ObjectNode parent(String id, String relation) {
        return JSON.createObjectNode().put("id", id).put("relation", relation);
    }

    private HttpResponse<String> post(JsonNode body, String tenant) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(store.url() + "/api/v1/artifacts"))
                .header("Content-Type", "application/json").header("X-Tenant-Id", tenant)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String tenant) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(store.url() + path)).header("X-Tenant-Id", tenant).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
