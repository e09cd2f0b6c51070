package dev.loraforge.contracts.artifactstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.loraforge.contracts.ContractSamples;
import dev.loraforge.events.DirectoryArchive;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArtifactStoreContractTest {

    @TempDir
    Path tmp;

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void everySampleReadsAsItsRecordAndWritesBackInTheSameShape() {
        roundTrip(ContractSamples.NEW_ARTIFACT, NewArtifact.class);
        roundTrip(ContractSamples.ARTIFACT, ArtifactView.class);
        roundTrip(ContractSamples.ARTIFACTS, ArtifactView[].class);
        roundTrip(ContractSamples.BASE_MODEL_REQUEST, BaseModelRequest.class);
        roundTrip(ContractSamples.BASE_MODEL, ArtifactView.class);
        roundTrip(ContractSamples.BLOB, BlobView.class);
        roundTrip(ContractSamples.LINEAGE, Lineage.class);
        roundTrip(ContractSamples.MODEL_UPLOAD_REQUEST, ModelUploadRequest.class);
        roundTrip(ContractSamples.MODEL_UPLOAD, ModelUploadView.class);
        roundTrip(ContractSamples.MODEL_UPLOAD_COMPLETE, CompleteModelUpload.class);
        assertThat(ContractSamples.json(ContractSamples.PROBLEM).path("errors").get(0).path("field").asText()).isEqualTo("kind");

        NewArtifact created = ContractSamples.read(ContractSamples.NEW_ARTIFACT, NewArtifact.class);
        assertThat(ArtifactKind.fromWire(created.kind())).contains(ArtifactKind.ADAPTER);
        assertThat(created.parents()).extracting(ParentRef::relation).allSatisfy(r ->
                assertThat(Relation.fromWire(r).orElseThrow().allowsChild(ArtifactKind.ADAPTER)).isTrue());
        assertThat(created.id()).startsWith(ArtifactKind.ADAPTER.idPrefix() + "-");
    }

    private static void roundTrip(String sample, Class<?> type) {
        Object value = ContractSamples.read(sample, type);
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(sample), ContractSamples.toJson(value)))
                .as(sample).isEmpty();
    }

    @Test
    void shapeDifferencesNameMissingExtraAndMistypedFields() {
        ObjectNode actual = (ObjectNode) ContractSamples.json(ContractSamples.ARTIFACT);
        actual.remove("size");
        actual.put("extra", 1);
        actual.put("digest", 7);
        ((ObjectNode) actual.get("parents").get(1)).remove("relation");
        ((ObjectNode) actual.get("metadata")).put("anything", "goes");
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.ARTIFACT), actual))
                .containsExactlyInAnyOrder("$.size: missing", "$.extra: not in the contract",
                        "$.digest: expected STRING, got INTEGER (7)", "$.parents[1].relation: missing");
        actual.putNull("tenant_id");
        assertThat(ContractSamples.shapeDifferences(ContractSamples.json(ContractSamples.BASE_MODEL),
                ContractSamples.json(ContractSamples.BASE_MODEL))).isEmpty();
    }

    @Test
    void aFailingUploadIsRetriedUntilItIsStoredAndARefusalIsNot() throws Exception {
        AtomicInteger puts = new AtomicInteger();
        List<String> statedDigests = new ArrayList<>();
        String base = serve(ex -> {
            statedDigests.add(ex.getRequestHeaders().getFirst(BlobTransfer.DIGEST_HEADER));
            byte[] body = readAll(ex);
            int n = puts.incrementAndGet();
            if (n <= 2) {
                return new Answer(503, "{\"type\":\"urn:loraforge:problem:unavailable\",\"detail\":\"database restarting\"}");
            }
            return new Answer(201, "{\"digest\":\"" + sha256(body) + "\",\"size\":" + body.length + "}");
        });
        Path file = Files.writeString(tmp.resolve("data.jsonl"), "{\"a\":1}\n");
        String fileDigest = sha256(Files.readAllBytes(file));
        ArtifactStoreGuard guard = new ArtifactStoreGuard("test-transfers", Duration.ofSeconds(20), null);
        BlobTransfer blobs = new BlobTransfer(base, Duration.ofSeconds(10), null);

        BlobView blob = guard.call(() -> blobs.put(file, fileDigest));

        assertThat(puts).hasValue(3);
        assertThat(blob.digest()).isEqualTo(fileDigest);
        assertThat(statedDigests).containsOnly(blob.digest());

        AtomicInteger refused = new AtomicInteger();
        String refusing = serve(ex -> {
            readAll(ex);
            refused.incrementAndGet();
            return new Answer(400, ContractSamples.text(ContractSamples.PROBLEM));
        });
        BlobTransfer refusingBlobs = new BlobTransfer(refusing, Duration.ofSeconds(10), null);
        assertThatThrownBy(() -> guard.call(() -> refusingBlobs.put(file, null)))
                .isInstanceOfSatisfying(ArtifactStoreException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.problemType()).isEqualTo("urn:loraforge:problem:invalid-request");
                    assertThat(e.getMessage()).contains("HTTP 400").contains("kind: is required");
                });
        assertThat(refused).hasValue(1);
    }

    @Test
    void aDamagedDownloadIsRemovedAndRetriedAndAGoodOneExtractsTheDirectory() throws Exception {
        Path source = Files.createDirectories(tmp.resolve("adapter"));
        Files.writeString(source.resolve("adapter_config.json"), "{\"r\":8}");
        Files.write(source.resolve("adapter_model.safetensors"), new byte[4096]);
        java.io.ByteArrayOutputStream archive = new java.io.ByteArrayOutputStream();
        DirectoryArchive.write(source, archive);
        byte[] good = archive.toByteArray();
        String digest = DirectoryArchive.digest(source);
        AtomicInteger gets = new AtomicInteger();
        java.util.List<String> tenants = new java.util.concurrent.CopyOnWriteArrayList<>();
        String base = serve(ex -> {
            tenants.add(String.valueOf(ex.getRequestHeaders().getFirst(BlobTransfer.TENANT_HEADER)));
            byte[] body = good.clone();
            if (gets.incrementAndGet() == 1) {
                body[body.length - 1] ^= 1; // damaged on the way: same length, another digest
            }
            return new Answer(200, body);
        });
        ArtifactStoreGuard guard = new ArtifactStoreGuard("test-downloads", Duration.ofSeconds(20), null);
        BlobTransfer blobs = new BlobTransfer(base, Duration.ofSeconds(10), null);
        Path target = tmp.resolve("copy");

        guard.run(() -> blobs.downloadDirectory(digest, "tenant-a", target));

        assertThat(gets).hasValue(2);
        assertThat(tenants).containsExactly("tenant-a", "tenant-a"); // every read names its tenant, retries too
        assertThat(Files.readString(target.resolve("adapter_config.json"))).isEqualTo("{\"r\":8}");
        assertThat(Files.size(target.resolve("adapter_model.safetensors"))).isEqualTo(4096);

        String missing = serve(ex -> new Answer(404, "{\"detail\":\"no blob " + digest + " is stored\"}"));
        Path nowhere = tmp.resolve("nowhere");
        assertThatThrownBy(() -> guard.run(() -> new BlobTransfer(missing, Duration.ofSeconds(5), null)
                .downloadDirectory(digest, null, nowhere)))
                .isInstanceOfSatisfying(ArtifactStoreException.class, e -> assertThat(e.notFound()).isTrue());
        assertThat(nowhere).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 50, 100, 1000, 1500})
    void aStoreThatNeverAnswersFailsWithTheReasonOnceTheRetryTimeIsSpent(long retryMillis) throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        AtomicInteger tries = new AtomicInteger();
        ArtifactStoreGuard guard = new ArtifactStoreGuard("test-down-" + retryMillis,
                Duration.ofMillis(retryMillis), Duration.ofSeconds(5));
        BlobTransfer blobs = new BlobTransfer("http://127.0.0.1:" + port, Duration.ofSeconds(5), null);
        long start = System.nanoTime();
        assertThatThrownBy(() -> guard.call(() -> {
            tries.incrementAndGet();
            return blobs.open("sha256:" + "0".repeat(64), null);
        })).isInstanceOfSatisfying(ArtifactStoreException.class, e -> {
            assertThat(e.status()).isZero();
            assertThat(e.getMessage()).contains("did not answer");
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        if (retryMillis >= 1000) {
            assertThat(tries.get()).isGreaterThan(1);
        } else if (retryMillis < 100) {
            assertThat(tries).hasValue(1);
        }
    }

    private record Answer(int status, byte[] body) {
        Answer(int status, String body) {
            this(status, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private String serve(Function<HttpExchange, Answer> handler) throws IOException {
        if (server != null) {
            server.stop(0);
        }
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/blobs", ex -> {
            Answer a = handler.apply(ex);
            ex.getResponseHeaders().add("Content-Type", a.status() >= 400 ? "application/problem+json"
                    : a.body().length > 0 && a.body()[0] == '{' ? "application/json" : "application/octet-stream");
            ex.sendResponseHeaders(a.status(), a.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(a.body());
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static byte[] readAll(HttpExchange ex) {
        try {
            return ex.getRequestBody().readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }


}
