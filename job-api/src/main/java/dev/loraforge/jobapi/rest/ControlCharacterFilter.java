package dev.loraforge.jobapi.rest;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Ids, cursors and names never contain control characters, and PostgreSQL cannot even compare text with a NUL
 * byte (it answered such lookups with a 500). A request to {@code /v1/...} or {@code /admin/...} whose decoded path
 * or query (names or values) holds one (U+0000 to U+001F, U+007F) gets a 400 in OpenAI's envelope that says where,
 * after authentication and before any resource or database sees it.
 */
public class ControlCharacterFilter {

    @ServerRequestFilter(priority = Priorities.USER + 100)
    public Optional<Response> refuseControlCharacters(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/v1") && !path.startsWith("/admin/")) {
            return Optional.empty();
        }
        int at = firstControl(path);
        if (at >= 0) {
            return Optional.of(refused(request, "The request path contains the control character " + codePoint(path, at)
                    + " at character " + at + "; ids and names never contain control characters: remove it.", null));
        }
        MultivaluedMap<String, String> query = request.getUriInfo().getQueryParameters(true);
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            if (firstControl(e.getKey()) >= 0) {
                return Optional.of(refused(request, "A query parameter name contains the control character "
                        + codePoint(e.getKey(), firstControl(e.getKey())) + ": remove it.", null));
            }
            for (String value : e.getValue()) {
                int i = firstControl(value);
                if (i >= 0) {
                    return Optional.of(refused(request, "Query parameter '" + e.getKey() + "' contains the control character "
                            + codePoint(value, i) + " at character " + i + "; ids, cursors and filters never contain"
                            + " control characters: remove it.", e.getKey()));
                }
            }
        }
        return Optional.empty();
    }

    /** Index of the first control character of {@code s} (U+0000-U+001F, U+007F), or -1 (the internal services' rule). */
    public static int firstControl(String s) {
        return dev.loraforge.events.platform.ControlCharacterFilter.firstControl(s);
    }

    static String codePoint(String s, int i) {
        return String.format("U+%04X", (int) s.charAt(i));
    }

    private static Response refused(ContainerRequestContext request, String message, String param) {
        return OpenAiErrorMapper.response(request.getUriInfo(), 400, "invalid_request_error", message, param,
                "invalid_characters");
    }
}
