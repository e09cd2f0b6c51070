package dev.loraforge.artifacts.rest;

import static dev.loraforge.artifacts.testing.Registry.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import dev.loraforge.artifacts.OperatorToken;
import dev.loraforge.artifacts.testing.ModelFiles;
import dev.loraforge.artifacts.testing.Registry;
import dev.loraforge.contracts.auth.ServiceTokens;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Base models private to one tenant: only reads scoped to the owner see the model, its blob and its quantized variants;
 * a quantized variant has the owner of its base model; names stay unique across public and private models.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class PrivateBaseModelTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    @AfterEach
    void back() {
        OperatorToken.use();
    }

    private static Path tinyModel() throws IOException {
        Path root = Path.of("target", "model-dirs").toAbsolutePath();
        Files.createDirectories(root);
        Path dir = Files.createTempDirectory(root, "private");
        ModelFiles.tinyLlama(dir, "float32", 1, 1);
        // content of its own: a blob is readable by whoever may read any artifact storing it, and the same tiny model
        // is registered publicly by other tests
        Files.writeString(dir.resolve("README.md"), "private model " + unique());
        return dir;
    }

    private static io.restassured.response.Response register(String name, Path dir, String tenant) {
        Map<String, Object> body = new LinkedHashMap<>(Map.of("name", name, "path", dir.toString()));
        if (tenant != null) {
            body.put("tenant_id", tenant);
        }
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/base-models");
    }

    /** The trainer's own token: a service, not the operator. */
    private static String service() {
        return new ServiceTokens("trainer-service", ConfigProvider.getConfig()
                .getValue("loraforge.service-auth.key", String.class), Clock.systemUTC()).authorization("artifact-store");
    }

    @Test
    void aPrivateBaseModelIsSeenOnlyByItsOwner() throws Exception {
        String owner = "acme-" + unique();
        String other = "globex-" + unique();
        String name = "acme/private-" + unique();
        String publicName = "public-" + unique();
        Path dir = tinyModel();
        var registered = register(name, dir, owner).then().statusCode(201).body("tenant_id", equalTo(owner))
                .extract().jsonPath();
        String id = registered.getString("id");
        String digest = registered.getString("digest");
        Files.writeString(dir.resolve("README.md"), "public twin " + unique());
        register(publicName, dir, null).then().statusCode(201).body("tenant_id", equalTo(null));

        // the owner sees it (by header or query), with the public one
        given().header("X-Tenant-Id", owner).get("/api/v1/base-models/{n}", name).then().statusCode(200)
                .body("id", equalTo(id)).body("tenant_id", equalTo(owner));
        given().get("/api/v1/base-models?tenant_id=" + owner).then().statusCode(200)
                .body("name", hasItem(name)).body("name", hasItem(publicName));
        given().header("X-Tenant-Id", owner).get("/api/v1/blobs/" + digest).then().statusCode(200);
        given().header("X-Tenant-Id", owner).get("/api/v1/artifacts/{id}", id).then().statusCode(200);

        // another tenant: not there at all, like a name never registered; the public one is
        given().header("X-Tenant-Id", other).get("/api/v1/base-models/{n}", name).then().statusCode(404)
                .body("detail", containsString("visible to tenant " + other));
        given().header("X-Tenant-Id", other).get("/api/v1/base-models").then().statusCode(200)
                .body("name", not(hasItem(name))).body("name", hasItem(publicName));
        given().header("X-Tenant-Id", other).get("/api/v1/blobs/" + digest).then().statusCode(404);
        given().header("X-Tenant-Id", other).get("/api/v1/artifacts/{id}", id).then().statusCode(404);
        assertThat(given().header("X-Tenant-Id", other).get("/api/v1/artifacts?kind=base_model&limit=1000")
                .then().statusCode(200).extract().jsonPath().getList("id", String.class)).doesNotContain(id);

        // a service without a tenant sees public models only, unless it asks for the operator's listing
        RestAssured.requestSpecification = null;
        String service = service();
        given().header("Authorization", service).get("/api/v1/base-models/{n}", name).then().statusCode(404)
                .body("detail", containsString("without a tenant"));
        given().header("Authorization", service).get("/api/v1/base-models").then().statusCode(200)
                .body("name", not(hasItem(name))).body("name", hasItem(publicName));
        given().header("Authorization", service).get("/api/v1/base-models?include_private=true").then().statusCode(200)
                .body("name", hasItem(name)).body("name", hasItem(publicName));
        given().header("Authorization", service).get("/api/v1/blobs/" + digest).then().statusCode(404);
        given().header("Authorization", service).header("X-Tenant-Id", owner).get("/api/v1/blobs/" + digest)
                .then().statusCode(200);
        OperatorToken.use();
        // the operator's unscoped token sees everything
        given().get("/api/v1/base-models/{n}", name).then().statusCode(200).body("tenant_id", equalTo(owner));
    }

    @Test
    void namesAreUniqueAcrossOwnersAndTheSameRegistrationAgainIsTheSameModel() throws Exception {
        String owner = "acme-" + unique();
        String name = "shared-name-" + unique();
        Path dir = tinyModel();
        String id = register(name, dir, owner).then().statusCode(201).extract().path("id");
        register(name, dir, owner).then().statusCode(200).body("id", equalTo(id));
        register(name, dir, null).then().statusCode(409).body("detail", containsString("another owner"));
        register(name, dir, "globex-" + unique()).then().statusCode(409).body("detail", containsString("another owner"));
        register("other-" + unique(), dir, "bad:tenant").then().statusCode(400)
                .body("errors.field", hasItem("tenant_id"));
        given().get("/api/v1/base-models/{n}", name).then().statusCode(200).body("tenant_id", equalTo(owner));
    }

    @Test
    void aQuantizedVariantBelongsToTheOwnerOfItsBaseModel() {
        String owner = "acme-" + unique();
        String other = "globex-" + unique();
        String base = Registry.create(Registry.artifact("base_model", "pbase-" + unique(), Registry.blob("private " + unique()),
                owner, null, Map.of("model_type", "llama")));
        String publicBase = Registry.baseModel("pubbase-" + unique());

        // a public variant of a private base, or a private variant of a public base, is refused and stores nothing
        String qDigest = Registry.blob("nf4 " + unique());
        Registry.post(Registry.artifact("quantized_model", "q-" + unique(), qDigest, "globex-x", null,
                Map.of("scheme", "nf4"), base, "quantized_from")).then().statusCode(400);
        Registry.post(Registry.artifact("quantized_model", "q-" + unique(), qDigest, owner, null,
                Map.of("scheme", "nf4"), publicBase, "quantized_from")).then().statusCode(400)
                .body("errors.field", hasItem("tenant_id")).body("errors.message", hasItem(containsString("is public")));
        Registry.post(Registry.artifact("quantized_model", "q-" + unique(), qDigest, null, null,
                Map.of("scheme", "nf4"), base, "quantized_from")).then().statusCode(400);
        assertThat(given().get("/api/v1/artifacts?digest=" + qDigest).then().statusCode(200).extract().jsonPath()
                .getList("id")).isEmpty();

        String q = Registry.create(Registry.artifact("quantized_model", "q-" + unique(), qDigest, owner, null,
                Map.of("scheme", "nf4"), base, "quantized_from"));
        given().header("X-Tenant-Id", owner).get("/api/v1/artifacts?kind=quantized_model&parent=" + base)
                .then().statusCode(200).body("id", equalTo(List.of(q)));
        given().header("X-Tenant-Id", other).get("/api/v1/artifacts?kind=quantized_model&parent=" + base)
                .then().statusCode(200).body("id", equalTo(List.of()));
        given().header("X-Tenant-Id", other).get("/api/v1/blobs/" + qDigest).then().statusCode(404);
        given().header("X-Tenant-Id", owner).get("/api/v1/blobs/" + qDigest).then().statusCode(200);

        // the owner's adapter may name the private base and its variant; another tenant's may not
        String train = Registry.dataset(owner, "t.jsonl");
        Registry.post(Registry.artifact("adapter", "a", Registry.blob("adapter " + unique()), owner, "ftjob-" + unique(),
                Map.of(), base, "base_model", q, "quantized_base", train, "trained_on")).then().statusCode(201);
        String otherTrain = Registry.dataset(other, "t.jsonl");
        Registry.post(Registry.artifact("adapter", "a", Registry.blob("adapter " + unique()), other, "ftjob-" + unique(),
                Map.of(), base, "base_model", otherTrain, "trained_on")).then().statusCode(400)
                .body("errors.field", hasItem("parents[0].id"));
    }
}
