package dev.loraforge.artifacts.rest;

import org.junit.jupiter.api.BeforeEach;
import dev.loraforge.artifacts.OperatorToken;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.loraforge.artifacts.storage.BlobStorage;
import dev.loraforge.artifacts.storage.Digest;
import dev.loraforge.artifacts.storage.FileSystemBlobStorage;
import dev.loraforge.artifacts.testing.GeneratedContent;
import dev.loraforge.artifacts.testing.Registry;
import dev.loraforge.contracts.auth.ServiceTokens;
import java.time.Clock;
import org.eclipse.microprofile.config.ConfigProvider;
import java.util.List;
import java.util.Map;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Blobs over HTTP: streaming both ways, digest checks on write and read, idempotency, errors. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class BlobResourceTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static final long MB = 1024 * 1024;

    @TestHTTPResource("/api/v1/blobs")
    URI blobs;

    @Inject
    BlobStorage storage;

    private static final String TOKEN = dev.loraforge.contracts.auth.ServiceAuth.operatorAuthorization(OperatorToken.AUDIENCE);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private FileSystemBlobStorage fs() {
        return (FileSystemBlobStorage) storage;
    }

    private long partFileBytes() throws IOException {
        try (Stream<Path> parts = Files.list(fs().uploadsDir())) {
            return parts.mapToLong(p -> p.toFile().length()).max().orElse(0);
        }
    }

    private static String put(String content) {
        return given().contentType("application/octet-stream").body(content.getBytes(StandardCharsets.UTF_8))
                .put("/api/v1/blobs").then().extract().path("digest");
    }

    @Test
    void a64MegabyteBlobStreamsToDiskDuringTheUploadAndReadsBackWithItsDigest() throws Exception {
        long size = 64 * MB;
        long seed = System.nanoTime();
        String expected = GeneratedContent.digest(size, seed);
        AtomicLong seenOnDisk = new AtomicLong();
        // halfway through, the client stops sending until the server has put most of the first half
        // on disk: a server that buffered the body in memory would never get there
        GeneratedContent body = new GeneratedContent(size, seed) {
            boolean waited;

            @Override
            protected void beforeRead(long position) throws IOException {
                if (!waited && position >= size / 2) {
                    waited = true;
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (partFileBytes() < size / 4) {
                        if (System.nanoTime() > deadline) {
                            throw new IOException("the server did not write the upload to disk while receiving it");
                        }
                        try {
                            Thread.sleep(20);
                        } catch (InterruptedException e) {
                            throw new IOException(e);
                        }
                    }
                    seenOnDisk.set(partFileBytes());
                }
            }
        };

        HttpResponse<String> put = http.send(HttpRequest.newBuilder(blobs).header("Authorization", TOKEN)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body), size))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
        assertThat(put.body()).contains("\"digest\":\"" + expected + "\"", "\"size\":" + size);
        assertThat(seenOnDisk.get()).isGreaterThanOrEqualTo(size / 4);

        HttpResponse<InputStream> get = http.send(HttpRequest.newBuilder(URI.create(blobs + "/" + expected)).header("Authorization", TOKEN).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValueAsLong("Content-Length")).hasValue(size);
        assertThat(get.headers().firstValue("ETag")).hasValue("\"" + expected + "\"");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long read = 0;
        try (InputStream in = get.body()) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
                read += n;
            }
        }
        assertThat(read).isEqualTo(size);
        assertThat("sha256:" + HexFormat.of().formatHex(sha.digest())).isEqualTo(expected);

        given().head("/api/v1/blobs/" + expected).then().statusCode(200)
                .header("Content-Length", String.valueOf(size)).header("ETag", "\"" + expected + "\"");
        assertThat(partFileBytes()).as("no upload left behind").isZero();
        Files.delete(fs().pathOf(Digest.parse(expected))); // keep target/ small
    }

    @Test
    void aStatedDigestThatDoesNotMatchIsRefusedAndNothingIsKept() throws Exception {
        byte[] content = ("content " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        String actual = GeneratedContent.digest(content);
        String stated = GeneratedContent.digest("something else".getBytes(StandardCharsets.UTF_8));

        given().contentType("application/octet-stream").header("X-Content-Digest", stated).body(content)
                .put("/api/v1/blobs").then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:loraforge:problem:digest-mismatch"))
                .body("status", equalTo(400))
                .body("title", equalTo("Digest mismatch"))
                .body("detail", containsString(actual)).body("detail", containsString(stated));

        assertThat(storage.stat(Digest.parse(actual))).isEmpty();
        assertThat(storage.stat(Digest.parse(stated))).isEmpty();
        assertThat(partFileBytes()).isZero();
        given().head("/api/v1/blobs/" + actual).then().statusCode(404);

        given().contentType("application/octet-stream").header("X-Content-Digest", actual).body(content)
                .put("/api/v1/blobs").then().statusCode(201).body("digest", equalTo(actual));
    }

    @Test
    void malformedDigestsAreRefusedWithAClearMessage() {
        given().get("/api/v1/blobs/sha256:ABC").then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:loraforge:problem:invalid-digest"))
                .body("detail", containsString("3 characters instead of 64"));
        given().get("/api/v1/blobs/md5:0cc175b9c0f1b6a831c399e269772661").then().statusCode(400)
                .body("detail", containsString("must start with 'sha256:'"));
        given().contentType("application/octet-stream").header("X-Content-Digest", "sha256:xyz").body(new byte[] {1})
                .put("/api/v1/blobs").then().statusCode(400)
                .body("detail", containsString("X-Content-Digest"));
    }

    @Test
    void theSameContentTwiceIsOneBlob() throws Exception {
        String content = "same " + System.nanoTime();
        Response first = given().contentType("application/octet-stream").body(content.getBytes(StandardCharsets.UTF_8))
                .put("/api/v1/blobs");
        Response second = given().contentType("application/octet-stream").body(content.getBytes(StandardCharsets.UTF_8))
                .put("/api/v1/blobs");

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(second.statusCode()).isEqualTo(200);
        String digest = first.path("digest");
        assertThat((String) second.path("digest")).isEqualTo(digest);
        assertThat(first.header("Location")).endsWith("/api/v1/blobs/" + digest);
        Path file = fs().pathOf(Digest.parse(digest));
        try (Stream<Path> shard = Files.list(file.getParent())) {
            assertThat(shard.filter(p -> p.getFileName().toString().equals(Digest.parse(digest).hex()))).hasSize(1);
        }
        assertThat(given().get("/api/v1/blobs/" + digest).then().statusCode(200).extract().asString()).isEqualTo(content);
    }

    @Test
    void aRangeOfABlobIsAPartialAnswerAndOnePastTheEndA416() {
        String content = "0123456789abcdefghij-" + System.nanoTime();
        String digest = put(content);
        int n = content.length();
        given().get("/api/v1/blobs/" + digest).then().statusCode(200).header("Accept-Ranges", "bytes");
        assertThat(given().header("Range", "bytes=3-7").get("/api/v1/blobs/" + digest).then().statusCode(206)
                .header("Content-Range", "bytes 3-7/" + n).header("Content-Length", "5").extract().asString())
                .isEqualTo("34567");
        assertThat(given().header("Range", "bytes=10-").get("/api/v1/blobs/" + digest).then().statusCode(206)
                .header("Content-Range", "bytes 10-" + (n - 1) + "/" + n).extract().asString())
                .isEqualTo(content.substring(10));
        assertThat(given().header("Range", "bytes=-4").get("/api/v1/blobs/" + digest).then().statusCode(206)
                .extract().asString()).isEqualTo(content.substring(n - 4));
        assertThat(given().header("Range", "bytes=5-100000").get("/api/v1/blobs/" + digest).then().statusCode(206)
                .header("Content-Range", "bytes 5-" + (n - 1) + "/" + n).extract().asString())
                .isEqualTo(content.substring(5));
        given().header("Range", "bytes=" + n + "-").get("/api/v1/blobs/" + digest).then().statusCode(416)
                .header("Content-Range", "bytes */" + n).contentType("application/problem+json")
                .body("type", equalTo("urn:loraforge:problem:range-not-satisfiable"))
                .body("code", equalTo("range_not_satisfiable"));
        // several ranges or a malformed one: the whole blob, as RFC 9110 lets a server answer
        assertThat(given().header("Range", "bytes=0-1,4-5").get("/api/v1/blobs/" + digest).then().statusCode(200)
                .extract().asString()).isEqualTo(content);
        assertThat(given().header("Range", "pages=1-2").get("/api/v1/blobs/" + digest).then().statusCode(200)
                .extract().asString()).isEqualTo(content);
    }

    @Test
    void emptyContentAndConditionalGetsWork() {
        String empty = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        given().contentType("application/octet-stream").body(new byte[0]).put("/api/v1/blobs").then()
                .statusCode(org.hamcrest.Matchers.oneOf(200, 201)).body("digest", equalTo(empty)).body("size", equalTo(0));
        given().get("/api/v1/blobs/" + empty).then().statusCode(200).header("Content-Length", "0");
        given().header("If-None-Match", "\"" + empty + "\"").get("/api/v1/blobs/" + empty).then().statusCode(304);
    }

    @Test
    void aBlobIsReadAsATenantOnlyWhenAnArtifactThatTenantSeesStoresItOrNamesItsResultFile() {
        String tenant = "tenant-" + Registry.unique();
        String other = "tenant-" + Registry.unique();
        String baseDigest = Registry.blob("base " + Registry.unique());
        String base = Registry.create(Registry.artifact("base_model", "base-" + Registry.unique(), baseDigest, null, null,
                Map.of("model_type", "llama")));
        String trainDigest = Registry.blob("{\"text\":\"" + Registry.unique() + "\"}");
        String train = Registry.create(Registry.artifact("dataset", "train.jsonl", trainDigest, tenant, null,
                Map.of("format", "jsonl")));
        String csvDigest = Registry.blob("step,train_loss\n1,0.5\n" + Registry.unique());
        String adapterDigest = Registry.blob("adapter " + Registry.unique());
        Registry.create(Registry.artifact("adapter", "a-" + Registry.unique(), adapterDigest, tenant, "ftjob-" + Registry.unique(),
                Map.of("seed", 1, "result_file", Map.of("digest", csvDigest, "bytes", 30, "filename", "step_metrics.csv")),
                base, "base_model", train, "trained_on"));
        String loose = Registry.blob("stored but named by no artifact " + Registry.unique());

        // the owner reads its dataset, adapter and result file, and the shared base; by header or query parameter
        for (String digest : List.of(trainDigest, adapterDigest, csvDigest, baseDigest)) {
            given().header("X-Tenant-Id", tenant).get("/api/v1/blobs/" + digest).then().statusCode(200);
            given().get("/api/v1/blobs/" + digest + "?tenant_id=" + tenant).then().statusCode(200);
            given().header("X-Tenant-Id", tenant).head("/api/v1/blobs/" + digest).then().statusCode(200);
        }
        // another tenant gets a 404 for each of them, exactly as for a blob that is not stored at all, and no byte
        for (String digest : List.of(trainDigest, adapterDigest, csvDigest, loose)) {
            given().header("X-Tenant-Id", other).get("/api/v1/blobs/" + digest).then().statusCode(404)
                    .body("detail", containsString("is readable by tenant " + other + ": no artifact"));
            given().header("X-Tenant-Id", other).head("/api/v1/blobs/" + digest).then().statusCode(404);
        }
        given().header("X-Tenant-Id", other).get("/api/v1/blobs/" + baseDigest).then().statusCode(200);

        // a service reading without a tenant (here the trainer's own token) sees the shared base only
        String trainer = new ServiceTokens("trainer-service", ConfigProvider.getConfig()
                .getValue("loraforge.service-auth.key", String.class), Clock.systemUTC()).authorization("artifact-store");
        io.restassured.RestAssured.requestSpecification = null; // this token alone, not the operator's besides
        given().header("Authorization", trainer).get("/api/v1/blobs/" + baseDigest).then().statusCode(200);
        given().header("Authorization", trainer).get("/api/v1/blobs/" + trainDigest).then().statusCode(404)
                .body("detail", containsString("without a tenant"));
        given().header("Authorization", trainer).header("X-Tenant-Id", tenant).get("/api/v1/blobs/" + trainDigest)
                .then().statusCode(200);
        OperatorToken.use();
        // the operator's unscoped token reads any stored blob; header and query naming two tenants is a 400
        given().get("/api/v1/blobs/" + loose).then().statusCode(200);
        given().header("X-Tenant-Id", tenant).get("/api/v1/blobs/" + trainDigest + "?tenant_id=" + other)
                .then().statusCode(400);
    }

    @Test
    void anUnknownBlobIsNotFound() {
        String absent = "sha256:" + "0".repeat(64);
        given().get("/api/v1/blobs/" + absent).then().statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:loraforge:problem:not-found"))
                .body("detail", containsString(absent));
        given().head("/api/v1/blobs/" + absent).then().statusCode(404);
    }

    private void flipByte(Digest digest, long at) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(fs().pathOf(digest).toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
    }

    @Test
    void aCorruptedSmallBlobAnswersAnErrorAndUploadingItAgainRepairsIt() throws Exception {
        String content = "adapter weights " + System.nanoTime();
        String digest = put(content);
        flipByte(Digest.parse(digest), 3);

        given().get("/api/v1/blobs/" + digest).then().statusCode(500)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:loraforge:problem:blob-corrupted"))
                .body("detail", containsString(digest));

        given().contentType("application/octet-stream").body(content.getBytes(StandardCharsets.UTF_8))
                .put("/api/v1/blobs").then().statusCode(200);
        assertThat(given().get("/api/v1/blobs/" + digest).then().statusCode(200).extract().asString()).isEqualTo(content);
    }

    @Test
    void aCorruptedLargeBlobIsCutOffBeforeItsLastBytes() throws Exception {
        long size = 20 * MB; // above artifacts.verify-before-send-max-size: verified while streaming
        long seed = System.nanoTime();
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(blobs).header("Authorization", TOKEN)
                .PUT(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new GeneratedContent(size, seed)), size))
                .header("Content-Type", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(201);
        Digest digest = Digest.parse(GeneratedContent.digest(size, seed));
        flipByte(digest, size / 2);

        HttpResponse<InputStream> get = http.send(HttpRequest.newBuilder(URI.create(blobs + "/" + digest)).header("Authorization", TOKEN).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long received = 0;
        IOException failure = null;
        try (InputStream in = get.body()) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) {
                received += n;
            }
        } catch (IOException e) {
            failure = e;
        }
        assertThat(get.headers().firstValueAsLong("Content-Length")).hasValue(size);
        assertThat(received).as("never the whole (wrong) blob").isLessThan(size);
        assertThat(failure).as("the client sees a broken transfer").isNotNull();
        Files.delete(fs().pathOf(digest));
    }
}
