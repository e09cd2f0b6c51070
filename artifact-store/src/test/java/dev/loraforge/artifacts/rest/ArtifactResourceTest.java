package dev.loraforge.artifacts.rest;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.artifacts.OperatorToken;
import static dev.loraforge.artifacts.testing.Registry.artifact;
import static dev.loraforge.artifacts.testing.Registry.baseModel;
import static dev.loraforge.artifacts.testing.Registry.blob;
import static dev.loraforge.artifacts.testing.Registry.create;
import static dev.loraforge.artifacts.testing.Registry.dataset;
import static dev.loraforge.artifacts.testing.Registry.post;
import static dev.loraforge.artifacts.testing.Registry.quantized;
import static dev.loraforge.artifacts.testing.Registry.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The registry: validation, lineage, listings and tenant scoping, against PostgreSQL. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ArtifactResourceTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static Map<String, Object> training(String seed) {
        return Map.of("hyperparameters", Map.of("learning_rate", 2e-4, "r", 8, "alpha", 16, "n_epochs", 3),
                "seed", Integer.parseInt(seed), "engine_version", "0.1.0", "metrics", Map.of("train_loss", 0.81));
    }

    @Test
    void theLineageOfAnAdapterShowsBaseQuantizedVariantDatasetsJobAndTrainingSettings() {
        String tenant = "tenant-" + unique();
        String job = "ftjob-" + unique();
        String baseDigest = blob("base " + unique());
        String base = create(artifact("base_model", "base-" + unique(), baseDigest, null, null, Map.of("model_type", "llama")));
        String q = quantized(base, "nf4");
        String train = dataset(tenant, "train.jsonl");
        String valid = dataset(tenant, "valid.jsonl");
        String ckpt = create(artifact("checkpoint", "step-10", blob("ckpt " + unique()), tenant, job, Map.of("step", 10),
                base, "base_model", q, "quantized_base", train, "trained_on"));
        String adapter = create(artifact("adapter", "my-adapter", blob("adapter " + unique()), tenant, job,
                training("42"), base, "base_model", q, "quantized_base", train, "trained_on", valid, "validated_on",
                ckpt, "exported_from"));

        JsonPath lineage = given().get("/api/v1/artifacts/{id}/lineage", adapter).then().statusCode(200)
                .body("root", equalTo(adapter)).body("direction", equalTo("ancestors"))
                .extract().jsonPath();

        assertThat(lineage.getList("nodes.id", String.class)).first().isEqualTo(adapter);
        assertThat(lineage.getList("nodes.id", String.class)).containsExactlyInAnyOrder(adapter, base, q, train, valid, ckpt);
        Set<String> edges = lineage.getList("edges", Map.class).stream()
                .map(e -> e.get("child") + " " + e.get("relation") + " " + e.get("parent")).collect(Collectors.toSet());
        assertThat(edges).containsExactlyInAnyOrder(
                adapter + " base_model " + base, adapter + " quantized_base " + q, adapter + " trained_on " + train,
                adapter + " validated_on " + valid, adapter + " exported_from " + ckpt,
                q + " quantized_from " + base,
                ckpt + " base_model " + base, ckpt + " quantized_base " + q, ckpt + " trained_on " + train);
        Map<String, Object> root = lineage.getMap("nodes[0]");
        assertThat(root).containsEntry("kind", "adapter").containsEntry("job_id", job).containsEntry("tenant_id", tenant);
        assertThat(lineage.getInt("nodes[0].metadata.seed")).isEqualTo(42);
        assertThat(lineage.getString("nodes[0].metadata.engine_version")).isEqualTo("0.1.0");
        assertThat(lineage.getInt("nodes[0].metadata.hyperparameters.r")).isEqualTo(8);
        assertThat(lineage.getString("nodes.find { it.id == '" + base + "' }.digest")).isEqualTo(baseDigest);
        assertThat(lineage.getString("nodes.find { it.id == '" + q + "' }.metadata.scheme")).isEqualTo("nf4");
        assertThat(lineage.getList("nodes.findAll { it.kind == 'dataset' }.digest")).hasSize(2);

        given().get("/api/v1/artifacts/{id}/lineage?direction=descendants", base).then().statusCode(200)
                .body("nodes.id", org.hamcrest.Matchers.containsInAnyOrder(base, q, ckpt, adapter))
                // the edges among descendants: not those to the datasets, which do not descend from the base
                .body("edges", hasSize(6))
                .body("direction", equalTo("descendants"));

        given().get("/api/v1/artifacts/{id}", adapter).then().statusCode(200)
                .body("parents", hasSize(5))
                .body("parents.find { it.relation == 'exported_from' }.id", equalTo(ckpt))
                .body("created_at", org.hamcrest.Matchers.notNullValue())
                .body("size", org.hamcrest.Matchers.greaterThan(0));
        given().get("/api/v1/artifacts/{id}/lineage?direction=sideways", adapter).then().statusCode(400)
                .body("errors[0].field", equalTo("direction"));
    }

    @Test
    void listingsFindTheQuantizedVariantOfABaseDigestAndAJobsCheckpointsNewestFirst() {
        String tenant = "tenant-" + unique();
        String job = "ftjob-" + unique();
        String baseDigest = blob("base for listing " + unique());
        String base = create(artifact("base_model", "b-" + unique(), baseDigest, null, null, null));
        String nf4 = quantized(base, "nf4");
        quantized(base, "int8");
        String train = dataset(tenant, "d");
        for (int step : new int[] {10, 20, 30}) {
            create(artifact("checkpoint", "step-" + step, blob("ckpt " + step + unique()), tenant, job,
                    Map.of("step", step), base, "base_model", train, "trained_on"));
        }

        given().get("/api/v1/artifacts?kind=quantized_model&parent_digest={d}&scheme=nf4", baseDigest).then()
                .statusCode(200).body("id", equalTo(List.of(nf4)));
        given().get("/api/v1/artifacts?kind=quantized_model&parent={p}&scheme=fp8", base).then()
                .statusCode(200).body("$", hasSize(0));
        given().get("/api/v1/artifacts?kind=checkpoint&job_id={j}", job).then().statusCode(200)
                .body("metadata.step", equalTo(List.of(30, 20, 10)));
        given().get("/api/v1/artifacts?kind=checkpoint&job_id={j}&limit=2", job).then().statusCode(200)
                .body("metadata.step", equalTo(List.of(30, 20)));
        given().get("/api/v1/artifacts?digest={d}", baseDigest).then().statusCode(200).body("id", equalTo(List.of(base)));
        given().get("/api/v1/artifacts?kind=adapters").then().statusCode(400).body("errors[0].field", equalTo("kind"));
        given().get("/api/v1/artifacts?digest=sha256:abc").then().statusCode(400).body("errors[0].field", equalTo("digest"));
        given().get("/api/v1/artifacts?limit=0").then().statusCode(400).body("errors[0].field", equalTo("limit"));
    }

    /** One invalid request: 400, problem JSON, the field named, nothing created. */
    private static void refused(Map<String, Object> body, String field, String messagePart) {
        post(body).then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:loraforge:problem:invalid-request"))
                .body("errors.field", hasItem(field))
                .body("errors.find { it.field == '" + field + "' }.message", containsString(messagePart));
    }

    @Test
    void invalidRequestsNameTheFieldAndCreateNothing() {
        String tenant = "tenant-" + unique();
        String name = "never-" + unique();
        String digest = blob("some content " + unique());
        String base = baseModel("b-" + unique());
        String train = dataset(tenant, "d");

        refused(artifact(null, name, digest, tenant, null, null), "kind", "is required");
        refused(artifact("lora", name, digest, tenant, null, null), "kind", "base_model, dataset, quantized_model");
        refused(artifact("dataset", null, digest, tenant, null, null), "name", "is required");
        refused(artifact("dataset", name, "sha256:" + "1".repeat(64), tenant, null, null), "digest", "PUT /api/v1/blobs");
        refused(artifact("dataset", name, "sha256:XYZ", tenant, null, null), "digest", "64");
        refused(artifact("dataset", name, digest, null, null, null), "tenant_id", "belongs to a tenant");
        refused(artifact("quantized_model", name, digest, tenant, null, Map.of("scheme", "nf4"), base, "quantized_from"),
                "tenant_id", "is public");
        refused(artifact("quantized_model", name, digest, null, null, Map.of(), base, "quantized_from"),
                "metadata.scheme", "required");
        refused(artifact("quantized_model", name, digest, null, null, Map.of("scheme", "nf4")), "parents", "quantized_from");
        String otherQ = quantized(base, "int4");
        refused(artifact("quantized_model", name, digest, null, null, Map.of("scheme", "nf4"), otherQ, "quantized_from"),
                "parents[0].id", "must be a [base_model]");
        // a shared artifact cannot derive from a tenant's
        refused(artifact("quantized_model", name, digest, null, null, Map.of("scheme", "nf4"), train, "quantized_from"),
                "parents[0].id", "no artifact '" + train + "'");
        refused(artifact("quantized_model", name, digest, null, null, Map.of("scheme", "nf4"), "model-nope", "quantized_from"),
                "parents[0].id", "no artifact 'model-nope'");
        refused(artifact("dataset", name, digest, tenant, null, null, base, "trained_on"), "parents[0].relation",
                "a dataset has no parents");
        refused(artifact("adapter", name, digest, tenant, "ftjob-1", null, base, "made_from"), "parents[0].relation",
                "base_model, quantized_base, trained_on");
        refused(artifact("adapter", name, digest, tenant, "ftjob-1", null, base, "base_model"), "parents", "trained_on");
        refused(artifact("adapter", name, digest, tenant, null, null, base, "base_model", train, "trained_on"), "job_id",
                "required");
        refused(artifact("checkpoint", name, digest, tenant, "ftjob-1", Map.of("seed", "x"), base, "base_model", train,
                "trained_on"), "metadata.step", "required");
        refused(artifact("checkpoint", name, digest, tenant, "ftjob-1", Map.of("step", 1, "seed", "x"), base, "base_model",
                train, "trained_on"), "metadata.seed", "integer");
        refused(artifact("adapter", name, digest, tenant, "ftjob-1", Map.of("metrics", Map.of("loss", "low")), base,
                "base_model", train, "trained_on"), "metadata.metrics.loss", "number");
        // the quantized variant must come from the adapter's own base model
        String otherBase = baseModel("other-" + unique());
        String foreignQ = quantized(otherBase, "nf4");
        refused(artifact("adapter", name, digest, tenant, "ftjob-1", null, base, "base_model", foreignQ, "quantized_base",
                train, "trained_on"), "parents", "was quantized from");
        // an adapter continues one trained on its own base model, once
        String parentAdapter = create(artifact("adapter", "parent", blob("parent " + unique()), tenant, "ftjob-0", null,
                base, "base_model", train, "trained_on"));
        String foreignAdapter = create(artifact("adapter", "foreign", blob("foreign " + unique()), tenant, "ftjob-0", null,
                otherBase, "base_model", train, "trained_on"));
        refused(artifact("adapter", name, digest, tenant, "ftjob-1", null, base, "base_model", train, "trained_on",
                foreignAdapter, "continued_from"), "parents", "was trained on");
        refused(artifact("adapter", name, digest, tenant, "ftjob-1", null, base, "base_model", train, "trained_on",
                parentAdapter, "continued_from", foreignAdapter, "continued_from"), "parents", "at most one 'continued_from'");
        refused(artifact("adapter", name, digest, tenant, "ftjob-1", null, base, "base_model", train, "trained_on",
                train, "continued_from"), "parents[2].id", "a continued_from parent must be a [adapter]");
        String continued = create(artifact("adapter", "continued", blob("continued " + unique()), tenant, "ftjob-2", null,
                base, "base_model", train, "trained_on", parentAdapter, "continued_from"));
        given().get("/api/v1/artifacts/{id}/lineage", continued).then().statusCode(200)
                .body("edges.find { it.relation == 'continued_from' }.parent", equalTo(parentAdapter));
        Map<String, Object> withId = artifact("dataset", name, digest, tenant, null, null);
        withId.put("id", "adapter-123");
        refused(withId, "id", "'dataset-'");

        // JSON that does not fit the schema names the field too
        Map<String, Object> typo = artifact("dataset", name, digest, tenant, null, null);
        typo.put("tenantId", tenant);
        post(typo).then().statusCode(400).body("type", equalTo("urn:loraforge:problem:invalid-json"))
                .body("detail", containsString("unknown field 'tenantId'")).body("detail", containsString("tenant_id"));
        Map<String, Object> badMetadata = artifact("dataset", name, digest, tenant, null, null);
        badMetadata.put("metadata", List.of(1, 2));
        post(badMetadata).then().statusCode(400).body("type", equalTo("urn:loraforge:problem:invalid-json"))
                .body("errors[0].field", equalTo("metadata"));
        given().contentType(ContentType.JSON).body("{\"kind\": ").post("/api/v1/artifacts").then().statusCode(400)
                .body("type", equalTo("urn:loraforge:problem:invalid-json"));
        given().contentType(ContentType.JSON).post("/api/v1/artifacts").then().statusCode(400)
                .body("errors[0].field", equalTo("body"));

        given().get("/api/v1/artifacts?name={n}", name).then().statusCode(200).body("$", hasSize(0));
    }

    @Test
    void aTenantNeverSeesAnotherTenantsArtifactsButSharesBaseModels() {
        String a = "tenant-a-" + unique();
        String b = "tenant-b-" + unique();
        String job = "ftjob-" + unique();
        String base = baseModel("shared-" + unique());
        String datasetA = dataset(a, "a.jsonl");
        String adapterA = create(artifact("adapter", "a-adapter", blob("adapter a " + unique()), a, job, null,
                base, "base_model", datasetA, "trained_on"));
        String datasetB = dataset(b, "b.jsonl");

        given().header("X-Tenant-Id", b).get("/api/v1/artifacts/{id}", datasetA).then().statusCode(404)
                .body("detail", containsString("visible to tenant " + b));
        given().get("/api/v1/artifacts/{id}?tenant_id={t}", adapterA, b).then().statusCode(404);
        given().header("X-Tenant-Id", a).get("/api/v1/artifacts/{id}", datasetA).then().statusCode(200);
        given().header("X-Tenant-Id", b).get("/api/v1/artifacts/{id}", base).then().statusCode(200);

        List<String> seenByB = given().get("/api/v1/artifacts?tenant_id={t}&limit=1000", b).then().statusCode(200)
                .extract().jsonPath().getList("id", String.class);
        assertThat(seenByB).contains(datasetB, base).doesNotContain(datasetA, adapterA);
        List<Object> tenants = given().header("X-Tenant-Id", b).get("/api/v1/artifacts?limit=1000").then().statusCode(200)
                .extract().jsonPath().getList("tenant_id");
        assertThat(tenants).containsOnly(b, null);

        // B cannot build on A's dataset: it does not exist for B
        post(artifact("adapter", "b-adapter", blob("adapter b " + unique()), b, job, null, base, "base_model",
                datasetA, "trained_on")).then().statusCode(400)
                .body("errors.find { it.field == 'parents[1].id' }.message", containsString("visible to tenant " + b));
        // nor create for A while acting for B
        post(artifact("dataset", "x", blob("x" + unique()), a, null, null)).then().statusCode(201);
        given().contentType(ContentType.JSON).header("X-Tenant-Id", b)
                .body(artifact("dataset", "x", blob("x" + unique()), a, null, null))
                .post("/api/v1/artifacts").then().statusCode(400).body("errors[0].field", equalTo("tenant_id"));
        // the header supplies the tenant when the body has none
        given().contentType(ContentType.JSON).header("X-Tenant-Id", b)
                .body(artifact("dataset", "y", blob("y" + unique()), null, null, null))
                .post("/api/v1/artifacts").then().statusCode(201).body("tenant_id", equalTo(b));

        // the descendants of a shared base model, seen by B, leave A's adapter out
        given().header("X-Tenant-Id", b).get("/api/v1/artifacts/{id}/lineage?direction=descendants", base).then()
                .statusCode(200).body("nodes.id", equalTo(List.of(base))).body("edges", hasSize(0));
        given().header("X-Tenant-Id", a).get("/api/v1/artifacts/{id}/lineage?direction=descendants", base).then()
                .statusCode(200).body("nodes.id", hasItem(adapterA));
        given().header("X-Tenant-Id", a).get("/api/v1/artifacts?tenant_id={t}", b).then().statusCode(400)
                .body("errors[0].field", equalTo("tenant_id"));
    }

    @Test
    void aClientChosenIdMakesCreateIdempotent() {
        String tenant = "tenant-" + unique();
        String id = "dataset-" + unique();
        Map<String, Object> body = artifact("dataset", "train.jsonl", blob("rows " + unique()), tenant, null,
                Map.of("lines", 3, "format", "chat"));
        body.put("id", id);

        post(body).then().statusCode(201).body("id", equalTo(id)).header("Location", containsString("/api/v1/artifacts/" + id));
        post(body).then().statusCode(200).body("id", equalTo(id)).body("metadata.lines", equalTo(3));
        Map<String, Object> changed = new HashMap<>(body);
        changed.put("name", "other.jsonl");
        post(changed).then().statusCode(409).body("type", equalTo("urn:loraforge:problem:conflict"))
                .body("detail", containsString(id));
        given().get("/api/v1/artifacts?tenant_id={t}&kind=dataset", tenant).then().body("$", hasSize(1));
    }

    @Test
    void aBaseModelNameIsUniqueAndRegisteringTheSameAgainReturnsIt() {
        String name = "llama-" + unique();
        String digest = blob("weights " + name);
        Map<String, Object> body = artifact("base_model", name, digest, null, null, null);

        String id = post(body).then().statusCode(201).body("tenant_id", nullValue()).extract().path("id");
        assertThat(id).startsWith("model-");
        post(body).then().statusCode(200).body("id", equalTo(id));
        post(artifact("base_model", name, blob("other weights " + name), null, null, null)).then().statusCode(409)
                .body("detail", containsString(name));
    }

    @Test
    void unknownArtifactsAndPathsAreProblems() {
        given().get("/api/v1/artifacts/adapter-none").then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404))
                .body("instance", equalTo("/api/v1/artifacts/adapter-none"));
        given().get("/api/v1/artifacts/adapter-none/lineage").then().statusCode(404);
        given().get("/api/v1/nothing-here").then().statusCode(404).contentType("application/problem+json");
        given().delete("/api/v1/artifacts/adapter-none").then().statusCode(405).contentType("application/problem+json");
    }
}
