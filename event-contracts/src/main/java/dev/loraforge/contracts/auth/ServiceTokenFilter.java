package dev.loraforge.contracts.auth;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;

/**
 * Adds this service's token for {@code artifact-store} to every call of the declarative artifact-store client
 * ({@link dev.loraforge.contracts.artifactstore.ArtifactStoreApi} registers it).
 */
public class ServiceTokenFilter implements ClientRequestFilter {

    public static final String ARTIFACT_STORE = "artifact-store";

    @Override
    public void filter(ClientRequestContext request) {
        request.getHeaders().putSingle(HttpHeaders.AUTHORIZATION, ServiceAuth.tokens().authorization(ARTIFACT_STORE));
    }
}
