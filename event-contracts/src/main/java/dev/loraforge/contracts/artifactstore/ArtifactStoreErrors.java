package dev.loraforge.contracts.artifactstore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.ext.ResponseExceptionMapper;

/**
 * Turns every non-2xx answer of artifact-store into an {@link ArtifactStoreException} carrying the
 * status and the problem's {@code detail} (artifact-store answers RFC 9457 problem+json), so that a
 * caller sees what was refused and why, and the fault-tolerance guard knows whether to retry.
 */
public class ArtifactStoreErrors implements ResponseExceptionMapper<ArtifactStoreException> {

    private static final ObjectMapper JSON = new ObjectMapper();

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
        return exception(status, body);
    }

    /** The exception for an answer {@code status} with body {@code body} (problem+json or anything else). */
    public static ArtifactStoreException exception(int status, String body) {
        String detail = abbreviate(body);
        String type = null;
        try {
            JsonNode problem = body == null || body.isBlank() ? null : JSON.readTree(body);
            if (problem != null && problem.isObject()) {
                type = problem.path("type").isTextual() ? problem.path("type").asText() : null;
                if (problem.path("detail").isTextual()) {
                    detail = problem.path("detail").asText();
                }
            }
        } catch (java.io.IOException e) {
            // not JSON: the abbreviated body is the detail
        }
        return new ArtifactStoreException("artifact-store answered HTTP " + status
                + (detail.isBlank() ? "" : ": " + detail), status, type, null);
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
