package dev.loraforge.jobapi.auth;

import dev.loraforge.jobapi.config.JobApiConfig;
import dev.loraforge.jobapi.rest.OpenAiErrorMapper;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * {@code Authorization: Bearer <key>} on every request: {@code /v1/...} takes a tenant's API key
 * (the tenant becomes {@link CallerTenant}); {@code /admin/...} takes the configured admin key.
 * Anything else (health, metrics, OpenAPI, the web page) is open.
 */
public class AuthFilter {

    private final LiveKeys keys;
    private final CallerTenant caller;
    private final JobApiConfig config;

    public AuthFilter(LiveKeys keys, CallerTenant caller, JobApiConfig config) {
        this.keys = keys;
        this.caller = caller;
        this.config = config;
    }

    @ServerRequestFilter
    public Optional<Response> authenticate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        boolean api = path.startsWith("/v1/") || path.equals("/v1");
        boolean admin = path.startsWith("/admin/");
        if (!api && !admin) {
            return Optional.empty();
        }
        String token = bearer(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (admin) {
            if (config.adminKey().isEmpty() || !ApiKeys.same(token, config.adminKey().get())) {
                return Optional.of(denied("Invalid admin key. Send 'Authorization: Bearer <admin key>' "
                        + "with the key configured as jobapi.admin-key (env JOBAPI_ADMIN_KEY)."));
            }
            return Optional.empty();
        }
        if (token == null) {
            return Optional.of(denied("You didn't provide an API key. Send it as 'Authorization: Bearer <key>'."));
        }
        Optional<LiveKeys.Key> key = keys.find(ApiKeys.hash(token));
        if (key.isEmpty()) {
            return Optional.of(denied("Incorrect API key provided: " + redact(token) + "."));
        }
        caller.set(key.get().tenantId());
        return Optional.empty();
    }

    private static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    private static String redact(String token) {
        return token.length() <= 8 ? "****" : token.substring(0, 6) + "****" + token.substring(token.length() - 4);
    }

    private static Response denied(String message) {
        return OpenAiErrorMapper.response(401, "invalid_request_error", message, null, "invalid_api_key");
    }
}
