package dev.loraforge.artifacts.rest;

import static io.restassured.RestAssured.given;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loraforge.artifacts.OperatorToken;
import dev.loraforge.artifacts.testing.Registry;
import dev.loraforge.contracts.auth.ServiceAuth;
import dev.loraforge.contracts.fuzz.FuzzRun;
import dev.loraforge.contracts.fuzz.RequestFuzzer.Route;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A bounded, seeded fuzz of every artifact-store route with a valid service token (event-contracts'
 * {@code RequestFuzzer}; {@code -Dfuzz.seed}, {@code -Dfuzz.internal-requests}): never a 5xx, every 4xx a problem.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ApiFuzzTest {

    @Test
    void noRequestGetsA5xxAndEveryRefusalIsAProblem() throws Exception {
        OperatorToken.use();
        String tenant = "tenant-fz-" + Registry.unique();
        String base = Registry.baseModel("fz-base-" + Registry.unique());
        String dataset = Registry.dataset(tenant, "fz-data");
        String quantized = Registry.quantized(base, "nf4");
        String digest = Registry.blob("fuzz blob " + Registry.unique());
        String upload = given().contentType("application/json").body("{\"name\":\"fz-upload\",\"bytes\":4096}")
                .post("/api/v1/model-uploads").then().statusCode(201).extract().path("id");
        String part = given().contentType("application/octet-stream").body(new byte[] {1, 2, 3})
                .post("/api/v1/model-uploads/" + upload + "/parts").then().statusCode(201).extract().path("id");
        Path emptyDir = Files.createTempDirectory("fz-model");
        Map<String, List<String>> known = Map.of(
                "id", List.of(base, dataset, quantized),
                "upload", List.of(upload),
                "part", List.of(part),
                "digest", List.of(digest),
                "tenant", List.of(tenant, "tenant-other"),
                "name", List.of("fz-data", "nf4"),
                "jobId", List.of("ftjob-fz"),
                "path", List.of(emptyDir.toString(), "/nonexistent/model"));
        String newArtifact = "{\"kind\":\"dataset\",\"name\":\"fz-new\",\"digest\":\"{digest}\",\"tenant_id\":\"{tenant}\","
                + "\"job_id\":\"{jobId}\",\"metadata\":{\"format\":\"jsonl\"},\"parents\":[]}";
        Map<String, String> tenantHeader = Map.of(TenantScope.HEADER, "{tenant}");
        List<Route> routes = List.of(
                Route.of("POST", "/api/v1/artifacts", List.of(), newArtifact).withHeaders(tenantHeader),
                Route.of("GET", "/api/v1/artifacts", List.of("kind", "tenant_id", "job_id", "digest", "parent",
                        "parent_digest", "scheme", "name", "limit"), null).withHeaders(tenantHeader),
                Route.of("GET", "/api/v1/artifacts/{id}", List.of("tenant_id"), null).withHeaders(tenantHeader),
                Route.of("GET", "/api/v1/artifacts/{id}/lineage", List.of("direction", "tenant_id"), null)
                        .withHeaders(tenantHeader),
                Route.of("POST", "/api/v1/base-models", List.of(), "{\"name\":\"fz-model\",\"path\":\"{path}\"}"),
                Route.of("GET", "/api/v1/base-models", List.of(), null),
                Route.of("GET", "/api/v1/base-models/{name}", List.of(), null),
                Route.of("POST", "/api/v1/model-uploads", List.of(), "{\"name\":\"fz/up\",\"bytes\":100,"
                        + "\"filename\":\"m.tar\",\"revision\":\"abc\"}"),
                Route.of("GET", "/api/v1/model-uploads/{upload}", List.of(), null),
                Route.raw("POST", "/api/v1/model-uploads/{upload}/parts", "application/octet-stream"),
                Route.of("POST", "/api/v1/model-uploads/{upload}/complete", List.of(), "{\"part_ids\":[\"{part}\"]}"),
                Route.of("POST", "/api/v1/model-uploads/{upload}/cancel", List.of(), null),
                Route.raw("PUT", "/api/v1/blobs", "application/octet-stream")
                        .withHeaders(Map.of("X-Content-Digest", "{digest}")),
                Route.of("GET", "/api/v1/blobs/{digest}", List.of(), null).withHeaders(Map.of("If-None-Match", "\"{digest}\"")),
                Route.of("GET", "/api/v1/blobs/{digest}", List.of(), null).withHeaders(Map.of("Range", "bytes=2-40")),
                Route.of("HEAD", "/api/v1/blobs/{digest}", List.of(), null),
                Route.of("GET", "/api/v1/jobs/{jobId}/outcomes", List.of(), null),
                Route.of("GET", "/api/v1/jobs/{jobId}/checkpoints", List.of(), null),
                Route.of("GET", "/api/v1/warnings", List.of("job_id", "limit"), null));

        FuzzRun.Result result = FuzzRun.internalApi(known, routes, 800,
                () -> ServiceAuth.operatorAuthorization(OperatorToken.AUDIENCE));
        assertThat(result.routesServed()).as("routes whose valid requests were served").isGreaterThanOrEqualTo(9);
    }
}
