package dev.loraforge.contracts.artifactstore;

import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.ext.ResponseExceptionMapper;

/**
 * Turns every non-2xx answer of artifact-store into an {@link ArtifactStoreException} carrying the
 * status and the problem's {@code detail} (artifact-store answers RFC 9457 problem+json), so that a
 * caller sees what was refused and why, and the fault-tolerance guard knows whether to retry.
 */
public class ArtifactStoreErrors implements ResponseExceptionMapper<ArtifactStoreException> {

    @Override
    public ArtifactStoreException toThrowable(Response response) {
        int status = response.getStatus();
        String body = "";
        try {
            if (response.hasEntity()) {
                body = response.readEntity(String.class);
            }
        } catch (RuntimeException e) {
            body = "";
        }
        return ArtifactStoreException.fromAnswer(status, body);
    }
}
