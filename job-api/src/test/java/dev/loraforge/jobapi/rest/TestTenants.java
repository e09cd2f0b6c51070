package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;

import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.http.ContentType;
import java.util.UUID;

/** Creates tenants and keys through the real admin API, for tests. */
final class TestTenants {
    static final String ADMIN_KEY = "test-admin-key";

    private TestTenants() {
    }

    /** A new tenant's id and API key. */
    record Tenant(String id, String key) {
    }

    static Tenant create(String prefix) {
        var current = RestAssured.requestSpecification;
        RestAssured.requestSpecification = null; // the admin key must be the only Authorization header
        try {
            return createAsAdmin(prefix);
        } finally {
            RestAssured.requestSpecification = current;
        }
    }

    private static Tenant createAsAdmin(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String id = given().auth().oauth2(ADMIN_KEY).contentType(ContentType.JSON)
                .body("{\"name\":\"" + name + "\"}").post("/admin/v1/tenants").then().statusCode(200)
                .extract().path("id");
        String key = given().auth().oauth2(ADMIN_KEY).contentType(ContentType.JSON).body("{\"name\":\"test\"}")
                .post("/admin/v1/tenants/{id}/api_keys", id).then().statusCode(200).extract().path("key");
        return new Tenant(id, key);
    }

    /** Makes every request of RestAssured carry this tenant's key. */
    static Tenant actAs(Tenant tenant) {
        RestAssured.requestSpecification = null; // a new builder starts from the current global spec
        RestAssured.requestSpecification = new RequestSpecBuilder()
                .addHeader("Authorization", "Bearer " + tenant.key()).build();
        return tenant;
    }
}
