package dev.loraforge.artifacts.rest;

import dev.loraforge.contracts.InvalidRequestException;


/**
 * The tenant a read is scoped to: the {@code X-Tenant-Id} header or the {@code tenant_id} query parameter. Without
 * either, a service sees the shared artifacts only (base and quantized models: {@link #SHARED_ONLY}); only the
 * operator's tools read across tenants (null: no scope).
 */
final class TenantScope {

    static final String HEADER = "X-Tenant-Id";

    private TenantScope() {
    }

    /** A scope no tenant has (tenant ids never contain ':'): it matches the shared artifacts alone. */
    static final String SHARED_ONLY = ":shared-only:";

    /** The scope of a read by {@code caller}: its tenant, else shared only, else (the operator) everything. */
    static String resolve(String header, String query, jakarta.ws.rs.core.SecurityContext caller) {
        String tenant = resolve(header, query);
        if (tenant != null) {
            return tenant;
        }
        return dev.loraforge.contracts.auth.ServiceSecurityContext.isOperator(caller) ? null : SHARED_ONLY;
    }

    static String resolve(String header, String query) {
        String h = blankToNull(header);
        String q = blankToNull(query);
        if (h != null && q != null && !h.equals(q)) {
            throw new InvalidRequestException("tenant_id", "the query says '" + q + "' but the X-Tenant-Id header says '"
                    + h + "'; send one tenant");
        }
        return h != null ? h : q;
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
