package dev.loraforge.artifacts.testing;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Test helpers that talk to the store over HTTP, as its clients do. */
public final class Registry {

    private Registry() {
    }

    /** A unique suffix so tests sharing one database do not see each other's names. */
    public static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Stores content as a blob; returns its digest. */
    public static String blob(String content) {
        return given().contentType("application/octet-stream").body(content.getBytes(StandardCharsets.UTF_8))
                .put("/api/v1/blobs").then().statusCode(org.hamcrest.Matchers.oneOf(200, 201))
                .extract().path("digest");
    }

    /** POST /api/v1/artifacts. */
    public static Response post(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/artifacts");
    }

    /** POST /api/v1/artifacts that must succeed with 201; returns the new id. */
    public static String create(Map<String, Object> body) {
        return post(body).then().statusCode(201).extract().path("id");
    }

    /** A request body; null values are left out. */
    public static Map<String, Object> artifact(String kind, String name, String digest, String tenant, String job,
                                               Map<String, Object> metadata, Object... parents) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("kind", kind);
        body.put("name", name);
        body.put("digest", digest);
        if (tenant != null) {
            body.put("tenant_id", tenant);
        }
        if (job != null) {
            body.put("job_id", job);
        }
        if (metadata != null) {
            body.put("metadata", metadata);
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < parents.length; i += 2) {
            list.add(Map.of("id", parents[i], "relation", parents[i + 1]));
        }
        body.put("parents", list);
        return body;
    }

    public static String baseModel(String name) {
        return create(artifact("base_model", name, blob("base weights " + name), null, null,
                Map.of("model_type", "llama")));
    }

    public static String dataset(String tenant, String name) {
        return create(artifact("dataset", name, blob("{\"text\":\"" + name + "\"}"), tenant, null, Map.of("format", "jsonl")));
    }

    public static String quantized(String base, String scheme) {
        return create(artifact("quantized_model", "q-" + scheme + "-" + unique(), blob("nf4 of " + base + unique()),
                null, null, Map.of("scheme", scheme), base, "quantized_from"));
    }
}
