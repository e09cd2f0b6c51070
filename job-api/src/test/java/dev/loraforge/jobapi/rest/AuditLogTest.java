package dev.loraforge.jobapi.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasKey;

import dev.loraforge.jobapi.support.StandInArtifactStore;
import dev.loraforge.kafka.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every operator action leaves one audit event, newest first, per tenant, never with a secret. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(StandInArtifactStore.class)
class AuditLogTest {

    @BeforeEach
    void noTenantKey() {
        RestAssured.requestSpecification = null;
    }

    @Test
    void tenantAndKeyActionsAreAuditedNewestFirst() {
        TestTenants.Tenant tenant = TestTenants.create("audit");
        String keyId = given().auth().oauth2(TestTenants.ADMIN_KEY).get("/admin/v1/tenants/{id}/api_keys", tenant.id())
                .then().statusCode(200).extract().path("[0].id");
        given().auth().oauth2(TestTenants.ADMIN_KEY).delete("/admin/v1/api_keys/{id}", keyId).then().statusCode(200);
        given().auth().oauth2(TestTenants.ADMIN_KEY).delete("/admin/v1/api_keys/{id}", keyId).then().statusCode(200);

        given().auth().oauth2(TestTenants.ADMIN_KEY).get("/admin/v1/audit_events?tenant_id={t}", tenant.id())
                .then().statusCode(200).body("object", equalTo("list"))
                .body("data.action", contains("api_key.revoked", "api_key.created", "tenant.created"))
                .body("data.actor", everyItem(equalTo("admin")))
                .body("data.tenant_id", everyItem(equalTo(tenant.id())))
                .body("data[0].target", equalTo(keyId))
                .body("data[1].detail.prefix", equalTo(tenant.key().substring(0, 7)))
                .body("data[1].detail", not(hasKey("key")))
                .body("data[2].detail.max_running_jobs", equalTo(2));
        String newest = given().auth().oauth2(TestTenants.ADMIN_KEY)
                .get("/admin/v1/audit_events?tenant_id={t}&limit=1", tenant.id()).then().statusCode(200)
                .body("data", hasSize(1)).body("has_more", equalTo(true)).extract().path("data[0].id");
        given().auth().oauth2(TestTenants.ADMIN_KEY)
                .get("/admin/v1/audit_events?tenant_id={t}&after={a}", tenant.id(), newest).then().statusCode(200)
                .body("data.action", contains("api_key.created", "tenant.created")).body("has_more", equalTo(false));

        given().auth().oauth2(TestTenants.ADMIN_KEY).get("/admin/v1/audit_events?after=nope").then().statusCode(400)
                .contentType("application/problem+json").body("param", equalTo("after"));
        given().auth().oauth2(tenant.key()).get("/admin/v1/audit_events").then().statusCode(401);
    }
}
