package dev.loraforge.quant;

import dev.loraforge.contracts.auth.ServiceAuth;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;

/**
 * Makes RestAssured's requests carry the operator's service token for this service, as every call to an internal
 * API must ({@link ServiceAuth}); tests of refusals send their own header.
 */
public final class OperatorToken {

    public static final String AUDIENCE = "quant-service";

    private OperatorToken() {
    }

    public static void use() {
        RestAssured.requestSpecification = new RequestSpecBuilder()
                .addHeader("Authorization", ServiceAuth.operatorAuthorization(AUDIENCE)).build();
    }
}
