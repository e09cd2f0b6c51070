package dev.loraforge.artifacts.rest;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.artifacts.OperatorToken;
import static dev.loraforge.artifacts.testing.Registry.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.loraforge.artifacts.testing.ModelFiles;
import dev.loraforge.artifacts.testing.ModelFiles.Tensor;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Base models registered from directories written by hand in the test. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class BaseModelResourceTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static Path scratch(String name) throws IOException {
        Path root = Path.of("target", "model-dirs").toAbsolutePath();
        Files.createDirectories(root);
        return Files.createTempDirectory(root, name);
    }

    /** A tiny Llama: embeddings F32 [16, 8], one q_proj F16 [8, 8], a norm F32 [8]: 200 parameters. */
    private static Path tinyModel() throws IOException {
        Path dir = scratch("tiny");
        ModelFiles.config(dir, ModelFiles.llamaConfig(8, 2, 4, 2, 16));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("model.embed_tokens.weight", new Tensor("F32", 16, 8));
        tensors.put("model.layers.0.self_attn.q_proj.weight", new Tensor("F16", 8, 8));
        tensors.put("model.norm.weight", new Tensor("F32", 8));
        ModelFiles.safetensors(dir.resolve("model.safetensors"), tensors, 1);
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"BPE\"}}");
        return dir;
    }

    private static io.restassured.response.Response register(String name, Path dir) {
        return given().contentType(ContentType.JSON).body(Map.of("name", name, "path", dir.toString()))
                .post("/api/v1/base-models");
    }

    private static Map<String, String> files(Path dir) throws IOException {
        Map<String, String> result = new java.util.TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                result.put(dir.relativize(p).toString(), java.util.HexFormat.of().formatHex(Files.readAllBytes(p)));
            }
        }
        return result;
    }

    @Test
    void registersADirectoryAsOneArchiveBlobWithItsConfigSummarised() throws Exception {
        Path dir = tinyModel();
        String name = "tiny-llama-" + unique();

        JsonPath model = register(name, dir).then().statusCode(201)
                .header("Location", containsString("/api/v1/base-models/" + name))
                .body("kind", equalTo("base_model")).body("name", equalTo(name))
                .body("tenant_id", equalTo(null)).body("job_id", equalTo(null))
                .extract().jsonPath();

        assertThat(model.getString("id")).startsWith("model-");
        assertThat(model.getString("digest")).isEqualTo(DirectoryArchive.digest(dir));
        Map<String, Object> m = model.getMap("metadata");
        assertThat(m).containsEntry("model_type", "llama").containsEntry("hidden_size", 8)
                .containsEntry("num_hidden_layers", 2).containsEntry("num_attention_heads", 4)
                .containsEntry("num_key_value_heads", 2).containsEntry("vocab_size", 16)
                .containsEntry("parameter_count", 16 * 8 + 8 * 8 + 8).containsEntry("tensor_count", 3)
                .containsEntry("safetensors_dtypes", List.of("F16", "F32"))
                .containsEntry("weight_files", List.of("model.safetensors"))
                .containsEntry("tie_word_embeddings", true).containsEntry("has_tokenizer", true);

        // the blob is the directory: extracting it gives the same files back
        Path back = scratch("back").resolve("model");
        try (InputStream in = given().get("/api/v1/blobs/" + model.getString("digest")).then().statusCode(200)
                .extract().asInputStream()) {
            DirectoryArchive.extract(in, back);
        }
        assertThat(files(back)).isEqualTo(files(dir));

        given().get("/api/v1/base-models/{name}", name).then().statusCode(200).body("id", equalTo(model.getString("id")));
        given().get("/api/v1/base-models").then().statusCode(200).body("name", hasItem(name));
        given().get("/api/v1/artifacts/{id}", model.getString("id")).then().statusCode(200).body("name", equalTo(name));
    }

    @Test
    void theSameFilesAgainEvenWithOtherTimesReturnTheExistingModel() throws Exception {
        Path dir = tinyModel();
        String name = "again-" + unique();
        String id = register(name, dir).then().statusCode(201).extract().path("id");

        Path copy = scratch("copy");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Path target = copy.resolve(f.getFileName().toString());
                Files.copy(f, target);
                Files.setLastModifiedTime(target, FileTime.fromMillis(86_400_000L * 400));
            }
        }
        register(name, dir).then().statusCode(200).body("id", equalTo(id));
        register(name, copy).then().statusCode(200).body("id", equalTo(id));
    }

    @Test
    void theSameNameWithOtherContentIsAConflictAndStoresNothing() throws Exception {
        Path dir = tinyModel();
        String name = "taken-" + unique();
        register(name, dir).then().statusCode(201);
        Files.writeString(dir.resolve("README.md"), "changed");
        String changedDigest = DirectoryArchive.digest(dir);

        register(name, dir).then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString(name)).body("detail", containsString(changedDigest));
        given().head("/api/v1/blobs/" + changedDigest).then().statusCode(404);
    }

    @Test
    void shardedWeightsAreCountedAcrossShards() throws Exception {
        Path dir = scratch("sharded");
        ModelFiles.config(dir, ModelFiles.llamaConfig(8, 1, 2, 2, 10));
        ModelFiles.safetensors(dir.resolve("model-00001-of-00002.safetensors"),
                Map.of("model.embed_tokens.weight", new Tensor("BF16", 10, 8)), 2);
        ModelFiles.safetensors(dir.resolve("model-00002-of-00002.safetensors"),
                Map.of("lm_head.weight", new Tensor("BF16", 10, 8)), 3);
        Files.writeString(dir.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 320}, "weight_map": {
                  "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                  "lm_head.weight": "model-00002-of-00002.safetensors"}}""");

        register("sharded-" + unique(), dir).then().statusCode(201)
                .body("metadata.parameter_count", equalTo(160))
                .body("metadata.weight_files", equalTo(List.of("model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors")));

        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        register("sharded-" + unique(), dir).then().statusCode(400)
                .body("errors[0].field", equalTo("path"))
                .body("detail", containsString("model-00002-of-00002.safetensors"));
    }

    private static void refused(String name, Path dir, String field, String... parts) {
        var then = register(name, dir).then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:loraforge:problem:invalid-request"))
                .body("errors[0].field", equalTo(field));
        for (String part : parts) {
            then.body("detail", containsString(part));
        }
    }

    @Test
    void badNamesAndDirectoriesAreRefusedNamingTheProblem() throws Exception {
        Path good = tinyModel();
        refused("org/model", good, "name", "no '/' or ':'");
        given().contentType(ContentType.JSON).body(Map.of("name", "rel-" + unique(), "path", "models/tiny"))
                .post("/api/v1/base-models").then().statusCode(400)
                .body("errors[0].field", equalTo("path")).body("detail", containsString("absolute"));
        refused("missing-" + unique(), good.resolve("nope"), "path", "not a directory");

        Path noConfig = scratch("noconfig");
        ModelFiles.safetensors(noConfig.resolve("model.safetensors"), Map.of("w", new Tensor("F32", 2)), 1);
        refused("x-" + unique(), noConfig, "path", "config.json");

        Path badConfig = scratch("badconfig");
        ModelFiles.config(badConfig, "{\"model_type\": \"llama\", \"num_hidden_layers\": 2}");
        ModelFiles.safetensors(badConfig.resolve("model.safetensors"), Map.of("w", new Tensor("F32", 2)), 1);
        refused("x-" + unique(), badConfig, "path", "'hidden_size'");

        Path noWeights = scratch("noweights");
        ModelFiles.config(noWeights, ModelFiles.llamaConfig(8, 1, 2, 2, 10));
        refused("x-" + unique(), noWeights, "path", "no *.safetensors");

        Path brokenHeader = scratch("broken");
        ModelFiles.config(brokenHeader, ModelFiles.llamaConfig(8, 1, 2, 2, 10));
        Files.write(brokenHeader.resolve("model.safetensors"), new byte[] {(byte) 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 1, 2});
        refused("x-" + unique(), brokenHeader, "path", "model.safetensors", "header");

        Path shortData = scratch("short");
        ModelFiles.config(shortData, ModelFiles.llamaConfig(8, 1, 2, 2, 10));
        ModelFiles.safetensors(shortData.resolve("model.safetensors"), Map.of("w", new Tensor("F32", 4)), 1);
        byte[] bytes = Files.readAllBytes(shortData.resolve("model.safetensors"));
        Files.write(shortData.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length - 4));
        refused("x-" + unique(), shortData, "path", "tensor 'w'", "data_offsets");

        given().get("/api/v1/base-models/{name}", "no-such-model").then().statusCode(404)
                .body("detail", containsString("no-such-model"));
    }
}
