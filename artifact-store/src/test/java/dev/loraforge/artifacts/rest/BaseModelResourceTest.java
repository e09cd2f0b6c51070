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

    /** A complete tiny Llama in F32 (hidden 8, 2 layers, vocab 16, tied), with a tokenizer and chat template. */
    private static Path tinyModel() throws IOException {
        Path dir = scratch("tiny");
        ModelFiles.tinyLlama(dir, "float32", 1, 1);
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
                .containsEntry("parameter_count", (int) ModelFiles.parameters(ModelFiles.llamaTensors(8, 2, 4, 2, 16, "F32")))
                .containsEntry("tensor_count", 2 + 2 * 9)
                .containsEntry("safetensors_dtypes", List.of("F32"))
                .containsEntry("weight_files", List.of("model.safetensors"))
                .containsEntry("tie_word_embeddings", true).containsEntry("has_tokenizer", true)
                .containsEntry("chat_template", "tokenizer_config.json");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> files = (List<Map<String, Object>>) m.get("files");
        assertThat(files).extracting(f -> f.get("name"))
                .containsExactly("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json");
        assertThat(files.get(1).get("sha256")).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve("model.safetensors")))));

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
        Map<String, Tensor> tensors = ModelFiles.tinyLlama(dir, "bfloat16", 2, 2);

        register("sharded-" + unique(), dir).then().statusCode(201)
                .body("metadata.parameter_count", equalTo((int) ModelFiles.parameters(tensors)))
                .body("metadata.safetensors_dtypes", equalTo(List.of("BF16")))
                .body("metadata.weight_files", equalTo(List.of("model-00001-of-00002.safetensors",
                        "model-00002-of-00002.safetensors")));

        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        register("sharded-" + unique(), dir).then().statusCode(400)
                .body("errors[0].field", equalTo("path"))
                .body("detail", containsString("model-00002-of-00002.safetensors"));
    }

    /**
     * The hub cache's layout as huggingface_hub writes it: the files of snapshots/REV are links into blobs/, refs/main
     * names the revision.
     */
    private static Path hubRepository(String repoFolder, String revision) throws IOException {
        Path repo = scratch("hub").resolve(repoFolder);
        Path model = scratch("hub-src");
        ModelFiles.tinyLlama(model, "bfloat16", 2, 5);
        Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(revision));
        Path blobs = Files.createDirectories(repo.resolve("blobs"));
        try (Stream<Path> files = Files.list(model)) {
            for (Path f : files.toList()) {
                String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(f)));
                Files.copy(f, blobs.resolve(hash));
                Files.createSymbolicLink(snapshot.resolve(f.getFileName().toString()),
                        Path.of("..", "..", "blobs", hash));
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), revision);
        return repo;
    }

    @Test
    void aShardedBf16ModelFromTheHubCacheImportsUnderItsRepositoryNameWithItsRevision() throws Exception {
        String org = "Acme" + unique();
        String revision = "0123456789abcdef0123456789abcdef01234567";
        Path repo = hubRepository("models--" + org + "--tiny-chat", revision);
        String name = org + "/tiny-chat";

        JsonPath model = given().contentType(ContentType.JSON).body(Map.of("path", repo.toString()))
                .post("/api/v1/base-models").then().statusCode(201)
                .header("Location", containsString("/api/v1/base-models/" + name))
                .body("name", equalTo(name))
                .body("metadata.repo_id", equalTo(name))
                .body("metadata.revision", equalTo(revision))
                .body("metadata.safetensors_dtypes", equalTo(List.of("BF16")))
                .extract().jsonPath();
        // the archive holds the files' contents, not the links
        Path back = scratch("hub-back").resolve("model");
        try (InputStream in = given().get("/api/v1/blobs/" + model.getString("digest")).then().statusCode(200)
                .extract().asInputStream()) {
            DirectoryArchive.extract(in, back);
        }
        assertThat(files(back)).isEqualTo(files(repo.resolve("snapshots").resolve(revision)));
        // named ORG/NAME, found with the slash as is or encoded
        given().urlEncodingEnabled(false).get("/api/v1/base-models/" + name).then().statusCode(200)
                .body("id", equalTo(model.getString("id")));
        given().urlEncodingEnabled(false).get("/api/v1/base-models/" + org + "%2Ftiny-chat").then().statusCode(200)
                .body("id", equalTo(model.getString("id")));
        // the snapshot's own path, with a name of the operator's choosing, is the same content
        String alias = "tiny-chat-" + unique();
        given().contentType(ContentType.JSON).body(Map.of("name", alias,
                        "path", repo.resolve("snapshots").resolve(revision).toString()))
                .post("/api/v1/base-models").then().statusCode(201).body("metadata.revision", equalTo(revision))
                .body("digest", equalTo(model.getString("digest")));
    }

    /** Refused naming each part of the reason, and nothing is registered: the name stays free, the archive unstored. */
    private static void refusedAndNothingRegistered(Path dir, String... parts) throws IOException {
        String name = "refused-" + unique();
        refused(name, dir, "path", parts);
        given().get("/api/v1/base-models/{name}", name).then().statusCode(404);
        given().head("/api/v1/blobs/" + DirectoryArchive.digest(dir)).then().statusCode(404);
    }

    @Test
    void aModelThatCannotTrainIsRefusedWithTheReasonAndLeavesNothingRegistered() throws Exception {
        Path wrongShape = scratch("wrong-shape");
        Map<String, Tensor> tensors = ModelFiles.tinyLlama(wrongShape, "float32", 1, 7);
        tensors.put("model.layers.1.self_attn.k_proj.weight", new Tensor("F32", 6, 8));
        ModelFiles.safetensors(wrongShape.resolve("model.safetensors"), tensors, 7);
        refusedAndNothingRegistered(wrongShape, "model.layers.1.self_attn.k_proj.weight", "has shape [6, 8]",
                "config.json makes it [4, 8]");

        Path missingTensor = scratch("missing-tensor");
        tensors = ModelFiles.tinyLlama(missingTensor, "float32", 1, 7);
        tensors.remove("model.layers.0.mlp.down_proj.weight");
        ModelFiles.safetensors(missingTensor.resolve("model.safetensors"), tensors, 7);
        refusedAndNothingRegistered(missingTensor, "model.layers.0.mlp.down_proj.weight", "is missing");

        Path extraLayer = scratch("extra-layer");
        tensors = ModelFiles.tinyLlama(extraLayer, "float32", 1, 7);
        tensors.put("model.layers.2.input_layernorm.weight", new Tensor("F32", 8));
        ModelFiles.safetensors(extraLayer.resolve("model.safetensors"), tensors, 7);
        refusedAndNothingRegistered(extraLayer, "layer 2", "2 layers (num_hidden_layers)");

        Path wrongDtype = scratch("wrong-dtype");
        ModelFiles.tinyLlama(wrongDtype, "float32", 1, 7);
        ModelFiles.config(wrongDtype, ModelFiles.llamaConfig(8, 2, 4, 2, 16, "bfloat16"));
        refusedAndNothingRegistered(wrongDtype, "stored as F32", "torch_dtype is bfloat16");

        Path noTokenizer = scratch("no-tokenizer");
        ModelFiles.tinyLlama(noTokenizer, "float32", 1, 7);
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        refusedAndNothingRegistered(noTokenizer, "no tokenizer.json");

        Path noTemplate = scratch("no-template");
        ModelFiles.tinyLlama(noTemplate, "float32", 1, 7);
        Files.writeString(noTemplate.resolve("tokenizer_config.json"), "{\"eos_token\":\"</s>\"}");
        refusedAndNothingRegistered(noTemplate, "no chat template", "chat_template.jinja");

        Path unsupported = scratch("unsupported");
        ModelFiles.tinyLlama(unsupported, "float32", 1, 7);
        ModelFiles.config(unsupported, ModelFiles.llamaConfig(8, 2, 4, 2, 16).replace("\"llama\"", "\"bert\""));
        refusedAndNothingRegistered(unsupported, "model_type 'bert' is not supported", "llama", "qwen2");

        Path quantized = scratch("quantized");
        ModelFiles.tinyLlama(quantized, "float32", 1, 7);
        ModelFiles.config(quantized, ModelFiles.llamaConfig(8, 2, 4, 2, 16).replace("}",
                ", \"quantization_config\": {\"quant_method\": \"bitsandbytes\"}}"));
        refusedAndNothingRegistered(quantized, "quantization_config", "full precision");
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
        refused("org/model/x", good, "name", "NAME or ORG/NAME");
        refused("org:model", good, "name", "no ':'");
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
