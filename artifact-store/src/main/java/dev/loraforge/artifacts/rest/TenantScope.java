package dev.loraforge.artifacts.rest;

import dev.loraforge.artifacts.service.InvalidRequestException;

/**
 * The tenant a read is scoped to: the {@code X-Tenant-Id} header or the {@code tenant_id} query
 * parameter (null when neither is sent: an internal caller that sees everything).
 */
final class TenantScope {

    static final String HEADER = "X-Tenant-Id";

    private TenantScope() {
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
