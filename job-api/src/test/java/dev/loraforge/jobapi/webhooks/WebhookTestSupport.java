package dev.loraforge.jobapi.webhooks;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Tenants through the real admin API, and jobs through the real /v1 API, for the webhook tests. */
final class WebhookTestSupport {
    static final String ADMIN_KEY = "test-admin-key";
    static final String DATA = """
            {"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Ahoy!"}]}
            {"messages":[{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris"}]}
            """;

    private WebhookTestSupport() {
    }

    /** A new tenant; requests made with {@link #as()} carry its key. */
    record Tenant(String id, String key) {
        RequestSpecification as() {
            return given().header("Authorization", "Bearer " + key);
        }
    }

    static Tenant tenant(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String id = given().auth().oauth2(ADMIN_KEY).contentType(ContentType.JSON)
                .body("{\"name\":\"" + name + "\"}").post("/admin/v1/tenants").then().statusCode(200)
                .extract().path("id");
        String key = given().auth().oauth2(ADMIN_KEY).contentType(ContentType.JSON).body("{\"name\":\"test\"}")
                .post("/admin/v1/tenants/{id}/api_keys", id).then().statusCode(200).extract().path("key");
        return new Tenant(id, key);
    }

    /** A queued job of the tenant, created through the API. */
    static String job(Tenant tenant) {
        String fileId = tenant.as().multiPart("purpose", "fine-tune")
                .multiPart("file", "train.jsonl", DATA.getBytes(StandardCharsets.UTF_8), "application/jsonl")
                .post("/v1/files").then().statusCode(200).extract().path("id");
        return tenant.as().contentType(ContentType.JSON)
                .body("{\"model\":\"tiny-llama\",\"training_file\":\"" + fileId + "\"}")
                .post("/v1/fine_tuning/jobs").then().statusCode(200).extract().path("id");
    }

    /** A webhook endpoint of the tenant; its id and secret. */
    record Endpoint(String id, String secret, String url) {
    }

    static Endpoint endpoint(Tenant tenant, String url, String eventsJson) {
        String body = "{\"url\":\"" + url + "\"" + (eventsJson == null ? "" : ",\"events\":" + eventsJson) + "}";
        var created = tenant.as().contentType(ContentType.JSON).body(body).post("/v1/webhooks")
                .then().statusCode(200).extract();
        return new Endpoint(created.path("id"), created.path("secret"), url);
    }
}
