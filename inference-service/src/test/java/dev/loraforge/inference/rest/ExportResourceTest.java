package dev.loraforge.inference.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loraforge.inference.OperatorToken;
import dev.loraforge.inference.support.Fixtures;
import dev.loraforge.inference.support.StandInArtifactStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /internal/v1/exports/{format}} on the real engine: the pirate adapter folded into the tiny base is a
 * model that, served as a base of its own, answers what the adapter taught; the GGUF export is a GGUF v3 file; both
 * answer ranges; what cannot be exported is refused with the reason.
 */
@QuarkusTest
@WithTestResource(StandInArtifactStore.class)
class ExportResourceTest {

    @BeforeEach
    void operatorToken() {
        OperatorToken.use();
    }

    private static RequestSpecification export(String adapterDigest) {
        return given().queryParam("base_digest", Fixtures.baseDigest).queryParam("base_model", Fixtures.BASE_NAME)
                .queryParam("adapter_digest", adapterDigest).queryParam("name", "ft:tiny-llama:t:pirate:ftjob-1");
    }

    @Test
    void theMergedModelAnswersWhatTheAdapterTaughtWithoutTheAdapter() {
        byte[] tar = export(Fixtures.pirate.digest()).get("/internal/v1/exports/merged").then().statusCode(200)
                .header("Content-Type", "application/x-tar").header("Accept-Ranges", "bytes")
                .extract().asByteArray();
        String merged = StandInArtifactStore.STORE.putBlob(tar);
        for (int q = 0; q < Fixtures.QUESTIONS; q++) {
            JsonNode answer = GenerateResourceTest.generate(GenerateResourceTest.chat(null, Fixtures.pirate.questions().get(q))
                    .put("base_digest", merged));
            assertThat(answer.path("text").asText()).isEqualTo(Fixtures.pirate.answers().get(q));
        }
        // made once: a second download reads the same file, and ranges of it
        byte[] again = export(Fixtures.pirate.digest()).get("/internal/v1/exports/merged").then().statusCode(200)
                .extract().asByteArray();
        assertThat(again).isEqualTo(tar);
        byte[] part = export(Fixtures.pirate.digest()).header("Range", "bytes=512-1023")
                .get("/internal/v1/exports/merged").then().statusCode(206)
                .header("Content-Range", "bytes 512-1023/" + tar.length).header("Content-Length", "512")
                .extract().asByteArray();
        assertThat(part).isEqualTo(Arrays.copyOfRange(tar, 512, 1024));
    }

    @Test
    void theGgufExportIsAGgufV3FileWithTheModelsName() {
        byte[] gguf = export(Fixtures.butler.digest()).get("/internal/v1/exports/gguf").then().statusCode(200)
                .header("Content-Type", "application/octet-stream").extract().asByteArray();
        ByteBuffer header = ByteBuffer.wrap(gguf).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(gguf, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("GGUF");
        assertThat(header.getInt(4)).isEqualTo(3);
        assertThat(header.getLong(8)).as("tensors").isPositive();
        assertThat(new String(gguf, StandardCharsets.ISO_8859_1)).contains("ft:tiny-llama:t:pirate:ftjob-1")
                .contains("token_embd.weight").contains("tokenizer.chat_template");
        byte[] tail = export(Fixtures.butler.digest()).header("Range", "bytes=-16").get("/internal/v1/exports/gguf")
                .then().statusCode(206).extract().asByteArray();
        assertThat(tail).isEqualTo(Arrays.copyOfRange(gguf, gguf.length - 16, gguf.length));
        export(Fixtures.butler.digest()).header("Range", "bytes=" + gguf.length + "-").get("/internal/v1/exports/gguf")
                .then().statusCode(416).header("Content-Range", "bytes */" + gguf.length)
                .body("code", equalTo("range_not_satisfiable"));
    }

    @Test
    void whatCannotBeExportedIsRefusedWithTheReason() throws Exception {
        export(Fixtures.pirate.digest()).get("/internal/v1/exports/onnx").then().statusCode(400)
                .body("param", equalTo("format")).body("detail", containsString("[merged, gguf]"));
        given().queryParam("base_digest", "sha256:nope").queryParam("adapter_digest", Fixtures.pirate.digest())
                .get("/internal/v1/exports/gguf").then().statusCode(400).body("param", equalTo("base_digest"));
        export(Fixtures.otherShapeDigest).get("/internal/v1/exports/merged").then().statusCode(422)
                .body("code", equalTo("adapter_mismatch"));
        // a family llama.cpp's GGUF names do not cover here: the merged model is offered instead
        Fixtures.FamilyBase phi3 = Fixtures.families.get(dev.loraforge.engine.model.Family.PHI3);
        given().queryParam("base_digest", phi3.baseDigest()).queryParam("adapter_digest", phi3.pirate().digest())
                .get("/internal/v1/exports/gguf").then().statusCode(422).body("code", equalTo("format_unsupported"))
                .body("detail", containsString("phi3"));
        // another tenant's adapter is not there for this one (tenants of their own: the stand-in's blobs, and what
        // was downloaded of them, are shared with the other test classes)
        String owned = StandInArtifactStore.putOwnedCopy(Fixtures.pirate.digest(), "exporting-tenant");
        export(owned).header("X-Tenant-Id", "other-tenant").get("/internal/v1/exports/merged").then().statusCode(404)
                .body("code", equalTo("model_not_found"));
        export(owned).header("X-Tenant-Id", "exporting-tenant").get("/internal/v1/exports/merged").then().statusCode(200);
    }
}
