package dev.loraforge.events.platform;

import dev.loraforge.contracts.Problem;
import dev.loraforge.contracts.auth.ServiceAuth;
import dev.loraforge.contracts.auth.ServiceSecurityContext;
import dev.loraforge.contracts.auth.ServiceTokenException;
import dev.loraforge.contracts.auth.ServiceTokens;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Every request to an internal service's API carries a service token for this service from a caller it accepts
 * ({@link ServiceAuth}); anything else is a 401 problem before routing, so no resource, lookup or body read happens.
 * The caller becomes the request's {@link ServiceSecurityContext} ({@code @Context SecurityContext}).
 * Health and metrics under {@code /q/} stay open to the orchestrator's probes. A service whose callers are
 * authenticated otherwise (job-api) turns this off with {@code loraforge.service-auth.enforce=false}.
 */
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION)
public class ServiceAuthFilter implements ContainerRequestFilter {

    private static final Logger LOG = Logger.getLogger(ServiceAuthFilter.class);

    private final boolean enforced = ServiceAuth.enforced();
    private final ServiceTokens tokens = enforced ? ServiceAuth.tokens() : null;
    private final Set<String> callers = enforced ? ServiceAuth.callers() : Set.of();

    @Override
    public void filter(ContainerRequestContext request) {
        if (!enforced) {
            return;
        }
        String path = request.getUriInfo().getPath();
        if (path.equals("/q") || path.startsWith("/q/")) {
            return;
        }
        try {
            ServiceTokens.Caller caller = tokens.verify(request.getHeaderString(HttpHeaders.AUTHORIZATION), tokens.self(), callers);
            request.setSecurityContext(new ServiceSecurityContext(caller.service()));
        } catch (ServiceTokenException e) {
            LOG.debugf("refused %s %s: %s", request.getMethod(), path, e.getMessage());
            Problem problem = Problem.of(401, "unauthenticated", e.getMessage()).withCode("service_token_invalid", null);
            request.abortWith(Response.status(401).type(Problem.MEDIA_TYPE)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"loraforge-services\"").entity(problem).build());
        }
    }
}
