package dev.loraforge.artifacts.rest;

import static dev.loraforge.artifacts.testing.Registry.unique;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.loraforge.artifacts.OperatorToken;
import dev.loraforge.artifacts.testing.ModelFiles;
import dev.loraforge.contracts.auth.ServiceAuth;
import dev.loraforge.events.DirectoryArchive;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Base models uploaded in parts: create, parts (streamed, resumable after an interruption), complete (joined, checked,
 * registered), and every way it is refused without registering anything.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ModelUploadResourceTest {

    @TestHTTPResource("/")
    URI root;

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    /** A ustar archive of a complete tiny sharded bf16 model (with {@code tokenizer.json} unless told otherwise). */
    private static byte[] modelArchive(boolean withTokenizer) throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "model-dirs").toAbsolutePath()),
                "upload");
        ModelFiles.tinyLlama(dir, "bfloat16", 2, 11);
        if (!withTokenizer) {
            Files.delete(dir.resolve("tokenizer.json"));
        }
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        DirectoryArchive.write(dir, tar);
        return tar.toByteArray();
    }

    private static String create(String name, long bytes) {
        return given().contentType(ContentType.JSON).body(Map.of("name", name, "bytes", bytes, "filename", "model.tar",
                        "revision", "v1.0"))
                .post("/api/v1/model-uploads").then().statusCode(201)
                .body("status", equalTo("pending")).body("bytes", equalTo((int) bytes)).body("received_bytes", equalTo(0))
                .extract().path("id");
    }

    private static String part(String upload, byte[] bytes) {
        return given().contentType("application/octet-stream").body(bytes).post("/api/v1/model-uploads/{id}/parts", upload)
                .then().statusCode(201).body("size", equalTo(bytes.length)).extract().path("id");
    }

    /** {@code tar} sent as {@code n} parts in order; answers their ids. */
    private static List<String> sendParts(String upload, byte[] tar, int n) {
        return split(tar, n).stream().map(piece -> part(upload, piece)).toList();
    }

    private static List<byte[]> split(byte[] all, int parts) {
        List<byte[]> out = new ArrayList<>();
        int step = (all.length + parts - 1) / parts;
        for (int from = 0; from < all.length; from += step) {
            out.add(Arrays.copyOfRange(all, from, Math.min(all.length, from + step)));
        }
        return out;
    }

    @Test
    void aModelArrivesInPartsAndIsRegisteredWithItsRevision() throws Exception {
        byte[] tar = modelArchive(true);
        String name = "acme" + unique() + "/uploaded";
        String upload = create(name, tar.length);
        List<byte[]> pieces = split(tar, 3);
        // parts may arrive in any order: complete names the order
        String third = part(upload, pieces.get(2));
        String first = part(upload, pieces.get(0));
        String second = part(upload, pieces.get(1));

        JsonPath done = given().contentType(ContentType.JSON).body(Map.of("part_ids", List.of(first, second, third)))
                .post("/api/v1/model-uploads/{id}/complete", upload).then().statusCode(200)
                .body("status", equalTo("completed")).body("received_bytes", equalTo(tar.length))
                .extract().jsonPath();
        String artifact = done.getString("artifact_id");
        assertThat(artifact).startsWith("model-");
        given().urlEncodingEnabled(false).get("/api/v1/base-models/" + name).then().statusCode(200)
                .body("id", equalTo(artifact)).body("metadata.revision", equalTo("v1.0"))
                .body("metadata.upload_id", equalTo(upload)).body("metadata.safetensors_dtypes[0]", equalTo("BF16"));
        // a completed upload takes nothing more
        given().contentType("application/octet-stream").body(new byte[] {1}).post("/api/v1/model-uploads/{id}/parts", upload)
                .then().statusCode(409).body("detail", containsString("completed"));
    }

    @Test
    void anUploadWithATenantRegistersAModelPrivateToIt() throws Exception {
        byte[] tar = modelArchive(true);
        String name = "acme" + unique() + "/private";
        String owner = "acme-" + unique();
        String upload = given().contentType(ContentType.JSON).body(Map.of("name", name, "bytes", tar.length,
                        "tenant_id", owner))
                .post("/api/v1/model-uploads").then().statusCode(201).body("tenant_id", equalTo(owner))
                .extract().path("id");
        List<String> parts = sendParts(upload, tar, 2);
        String artifact = given().contentType(ContentType.JSON).body(Map.of("part_ids", parts))
                .post("/api/v1/model-uploads/{id}/complete", upload).then().statusCode(200)
                .body("status", equalTo("completed")).body("tenant_id", equalTo(owner)).extract().path("artifact_id");
        given().urlEncodingEnabled(false).header("X-Tenant-Id", owner).get("/api/v1/base-models/" + name)
                .then().statusCode(200).body("id", equalTo(artifact)).body("tenant_id", equalTo(owner));
        given().urlEncodingEnabled(false).header("X-Tenant-Id", "globex-" + unique()).get("/api/v1/base-models/" + name)
                .then().statusCode(404);
        given().contentType(ContentType.JSON).body(Map.of("name", name + "x", "bytes", 10, "tenant_id", "a\u0001b"))
                .post("/api/v1/model-uploads").then().statusCode(400).body("errors[0].field", equalTo("tenant_id"));
    }

    @Test
    void anInterruptedPartIsNotKeptAndTheUploadResumes() throws Exception {
        byte[] tar = modelArchive(true);
        String name = "resumed-" + unique();
        String upload = create(name, tar.length);
        List<byte[]> pieces = split(tar, 2);
        String first = part(upload, pieces.get(0));

        // the second part's connection breaks after half of its bytes
        byte[] second = pieces.get(1);
        try (Socket socket = new Socket(root.getHost(), root.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/model-uploads/" + upload + "/parts HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: " + ServiceAuth.operatorAuthorization(OperatorToken.AUDIENCE) + "\r\n"
                    + "Content-Type: application/octet-stream\r\nContent-Length: " + second.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(second, 0, second.length / 2);
            out.flush();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonPath state = given().get("/api/v1/model-uploads/{id}", upload).then().statusCode(200).extract().jsonPath();
            assertThat(state.getList("parts.id")).containsExactly(first);
            assertThat(state.getLong("received_bytes")).isEqualTo(pieces.get(0).length);
            assertThat(partFiles(upload)).as("nothing of the broken part is left").hasSize(1);
        });
        // completing now says what is missing, and the upload stays pending
        given().contentType(ContentType.JSON).body(Map.of("part_ids", List.of(first)))
                .post("/api/v1/model-uploads/{id}/complete", upload).then().statusCode(400)
                .body("errors[0].field", equalTo("part_ids")).body("detail", containsString("declared " + tar.length));
        given().get("/api/v1/model-uploads/{id}", upload).then().body("status", equalTo("pending"));

        String again = part(upload, second);
        given().contentType(ContentType.JSON).body(Map.of("part_ids", List.of(first, again)))
                .post("/api/v1/model-uploads/{id}/complete", upload).then().statusCode(200)
                .body("status", equalTo("completed"));
        given().get("/api/v1/base-models/{name}", name).then().statusCode(200);
    }

    private static List<Path> partFiles(String upload) throws Exception {
        Path dir = Path.of("target", "blobs", "model-uploads", upload);
        try (var files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void aRefusedModelFailsTheUploadWithTheReasonAndRegistersNothing() throws Exception {
        byte[] tar = modelArchive(false);
        String name = "no-tokenizer-" + unique();
        String upload = create(name, tar.length);
        given().contentType(ContentType.JSON).body(Map.of("part_ids", sendParts(upload, tar, 2)))
                .post("/api/v1/model-uploads/{id}/complete", upload).then().statusCode(400)
                .body("detail", containsString("no tokenizer.json"));
        given().get("/api/v1/model-uploads/{id}", upload).then().body("status", equalTo("failed"))
                .body("error", containsString("no tokenizer.json")).body("artifact_id", equalTo(null));
        given().get("/api/v1/base-models/{name}", name).then().statusCode(404);

        // parts in the wrong order are not a tar: failed, saying so
        byte[] good = modelArchive(true);
        String swapped = create("swapped-" + unique(), good.length);
        List<String> inOrder = sendParts(swapped, good, 2);
        given().contentType(ContentType.JSON).body(Map.of("part_ids", List.of(inOrder.get(1), inOrder.get(0))))
                .post("/api/v1/model-uploads/{id}/complete", swapped).then().statusCode(400)
                .body("detail", containsString("not a tar of a model directory"));
    }

    @Test
    void badRequestsAreRefusedNamingTheField() {
        given().contentType(ContentType.JSON).body(Map.of("name", "a:b", "bytes", 10)).post("/api/v1/model-uploads")
                .then().statusCode(400).body("errors[0].field", equalTo("name"));
        given().contentType(ContentType.JSON).body(Map.of("name", "ok-" + unique())).post("/api/v1/model-uploads")
                .then().statusCode(400).body("errors[0].field", equalTo("bytes"));
        given().contentType(ContentType.JSON).body(Map.of("name", "ok-" + unique(), "bytes", 10, "revision", "a b"))
                .post("/api/v1/model-uploads").then().statusCode(400).body("errors[0].field", equalTo("revision"));
        given().get("/api/v1/model-uploads/{id}", "mupload-" + "0".repeat(32)).then().statusCode(404);
        given().get("/api/v1/model-uploads/{id}", "../etc").then().statusCode(404);

        String upload = create("cancelled-" + unique(), 100);
        String p = part(upload, new byte[] {1, 2, 3});
        given().contentType(ContentType.JSON).body(Map.of("part_ids", List.of(p, p)))
                .post("/api/v1/model-uploads/{id}/complete", upload).then().statusCode(400)
                .body("errors[0].field", equalTo("part_ids[1]")).body("detail", containsString("twice"));
        given().contentType(ContentType.JSON).body(Map.of("part_ids", List.of("part-nope")))
                .post("/api/v1/model-uploads/{id}/complete", upload).then().statusCode(400)
                .body("errors[0].field", equalTo("part_ids[0]"));
        given().contentType("application/octet-stream").body(new byte[0]).post("/api/v1/model-uploads/{id}/parts", upload)
                .then().statusCode(400);
        given().post("/api/v1/model-uploads/{id}/cancel", upload).then().statusCode(200).body("status", equalTo("cancelled"));
        given().contentType("application/octet-stream").body(new byte[] {1}).post("/api/v1/model-uploads/{id}/parts", upload)
                .then().statusCode(409).body("detail", containsString("cancelled"));
    }
}
