package dev.loraforge.contracts.auth;

import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;

/**
 * The authenticated caller of an internal API, as JAX-RS exposes it ({@code @Context SecurityContext}): the principal is
 * the calling service ({@code job-api}, {@code trainer-service}, ..., or {@code operator}), its one role its name.
 */
public record ServiceSecurityContext(String service) implements SecurityContext {

    /** Whether {@code context} is that of the operator's tools (which may read across tenants). */
    public static boolean isOperator(SecurityContext context) {
        return context != null && context.getUserPrincipal() != null
                && ServiceAuth.OPERATOR.equals(context.getUserPrincipal().getName());
    }

    @Override
    public Principal getUserPrincipal() {
        return () -> service;
    }

    @Override
    public boolean isUserInRole(String role) {
        return service.equals(role);
    }

    @Override
    public boolean isSecure() {
        return false;
    }

    @Override
    public String getAuthenticationScheme() {
        return "Bearer";
    }
}
