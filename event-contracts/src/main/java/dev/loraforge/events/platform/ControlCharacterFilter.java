package dev.loraforge.events.platform;

import dev.loraforge.contracts.Problem;
import dev.loraforge.contracts.auth.ServiceAuth;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import java.util.Map;

/**
 * Ids, digests, names and filters never contain control characters, and PostgreSQL cannot even compare text holding
 * a NUL byte (such lookups were 500s): a request whose decoded path or query holds one (U+0000 to U+001F, U+007F) is a
 * 400 {@code invalid-characters} problem saying where, after authentication and before any resource sees it.
 * On the internal services only (where {@link ServiceAuth#enforced()}): job-api answers in OpenAI's envelope with a
 * filter of its own.
 */
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION + 10)
public class ControlCharacterFilter implements ContainerRequestFilter {

    private final boolean internal = ServiceAuth.enforced();

    @Override
    public void filter(ContainerRequestContext request) {
        if (!internal) {
            return;
        }
        String path = request.getUriInfo().getPath();
        int at = firstControl(path);
        if (at >= 0) {
            refuse(request, "the request path contains the control character " + codePoint(path, at) + " at character "
                    + at + "; ids, digests and names never contain control characters: remove it", null);
            return;
        }
        MultivaluedMap<String, String> query = request.getUriInfo().getQueryParameters(true);
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            if (firstControl(e.getKey()) >= 0) {
                refuse(request, "a query parameter name contains a control character: remove it", null);
                return;
            }
            for (String value : e.getValue()) {
                int i = firstControl(value);
                if (i >= 0) {
                    refuse(request, "query parameter '" + e.getKey() + "' contains the control character "
                            + codePoint(value, i) + " at character " + i + ": remove it", e.getKey());
                    return;
                }
            }
        }
    }

    /** Index of the first control character of {@code s} (U+0000-U+001F, U+007F), or -1. */
    public static int firstControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                return i;
            }
        }
        return -1;
    }

    private static String codePoint(String s, int i) {
        return String.format("U+%04X", (int) s.charAt(i));
    }

    private static void refuse(ContainerRequestContext request, String detail, String param) {
        request.abortWith(Problem.of(400, "invalid-characters", detail).withCode("invalid_characters", param).response());
    }
}
