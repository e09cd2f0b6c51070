package dev.loraforge.jobapi.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.engine.settings.Shown;
import dev.loraforge.jobapi.mapping.ApiObjects.ListObject;
import dev.loraforge.jobapi.repository.ApiKeyEntity;
import dev.loraforge.jobapi.repository.ApiKeyRepository;
import dev.loraforge.jobapi.repository.AuditEventEntity;
import dev.loraforge.jobapi.repository.AuditEventRepository;
import dev.loraforge.jobapi.repository.TenantEntity;
import dev.loraforge.jobapi.repository.TenantRepository;
import dev.loraforge.jobapi.service.TenantService;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;


/**
 * {@code /admin/v1}: tenants and their API keys, and the audit log of those actions, for the operator.
 * Authenticated with the configured admin key ({@code jobapi.admin-key}).
 */
@Path("/admin/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

    private final TenantService service;
    private final TenantRepository tenants;
    private final ApiKeyRepository keys;
    private final AuditEventRepository audit;
    private final ObjectMapper json;
    private final dev.loraforge.jobapi.auth.LiveKeys liveKeys;

    public AdminResource(TenantService service, TenantRepository tenants, ApiKeyRepository keys,
                         AuditEventRepository audit, ObjectMapper json, dev.loraforge.jobapi.auth.LiveKeys liveKeys) {
        this.liveKeys = liveKeys;
        this.audit = audit;
        this.json = json;
        this.service = service;
        this.tenants = tenants;
        this.keys = keys;
    }

    /** Create a tenant; omitted limits take the configured defaults. */
    public record TenantRequest(String name, Integer maxRunningJobs, Integer maxQueuedJobs, Long maxFileBytes) {
    }

    public record TenantView(String id, String object, String name, int maxRunningJobs, int maxQueuedJobs,
                             long maxFileBytes, long createdAt) {
        static TenantView of(TenantEntity t) {
            return new TenantView(t.id, "tenant", t.name, t.maxRunningJobs, t.maxQueuedJobs, t.maxFileBytes,
                    t.createdAt.toEpochSecond());
        }
    }

    public record KeyRequest(String name) {
    }

    /** A key; {@code key} (the secret) is present only in the answer to its creation. */
    public record KeyView(String id, String object, String tenantId, String name, String prefix, String key,
                          long createdAt, Long revokedAt, Long lastUsedAt) {
        static KeyView of(ApiKeyEntity k, String secret) {
            return new KeyView(k.id, "api_key", k.tenantId, k.name, k.prefix, secret, k.createdAt.toEpochSecond(),
                    k.revokedAt == null ? null : k.revokedAt.toEpochSecond(),
                    k.lastUsedAt == null ? null : k.lastUsedAt.toEpochSecond());
        }
    }

    @POST
    @Path("/tenants")
    @Consumes(MediaType.APPLICATION_JSON)
    public TenantView createTenant(TenantRequest request) {
        if (request == null) {
            throw ApiException.invalid("The request body must be a JSON object with a 'name'.", "name");
        }
        return TenantView.of(service.create(request.name(), request.maxRunningJobs(), request.maxQueuedJobs(),
                request.maxFileBytes()));
    }

    @GET
    @Path("/tenants")
    @Transactional
    public List<TenantView> listTenants() {
        return tenants.listAll().stream().map(TenantView::of).toList();
    }

    @POST
    @Path("/tenants/{tenantId}/api_keys")
    @Consumes(MediaType.APPLICATION_JSON)
    public KeyView createKey(@PathParam("tenantId") String tenantId, KeyRequest request) {
        TenantService.CreatedKey created = service.createKey(tenantId, request == null ? null : request.name());
        return KeyView.of(created.entity(), created.secret());
    }

    @GET
    @Path("/tenants/{tenantId}/api_keys")
    @Transactional
    public List<KeyView> listKeys(@PathParam("tenantId") String tenantId) {
        return keys.forTenant(tenantId).stream().map(k -> KeyView.of(k, null)).toList();
    }

    /** One audit-log entry: who did what to which tenant's what, and what it set. */
    public record AuditEventView(String id, String object, long createdAt, String actor, String action, String tenantId,
                                 String target, JsonNode detail) {
    }

    /**
     * The audit log of operator actions, newest first: all, or one tenant's ({@code tenant_id}); a page of
     * {@code limit} (1 to 100, default 20) older than the event {@code after}.
     */
    @GET
    @Path("/audit_events")
    @Transactional
    public ListObject<AuditEventView> auditEvents(@QueryParam("tenant_id") String tenantId, @QueryParam("after") String after,
                                                  @QueryParam("limit") String limit) {
        int size = PageLimit.parse(limit, 20, 100);
        Long before = null;
        if (after != null) {
            if (!after.matches("audit_[0-9]{1,18}")) {
                throw ApiException.invalid("after must be an audit event id (audit_<n>), got '" + Shown.text(after) + "'",
                        "after");
            }
            before = Long.parseLong(after.substring("audit_".length()));
        }
        if (tenantId != null && tenantId.length() > 128) {
            throw ApiException.invalid("tenant_id is at most 128 characters", "tenant_id");
        }
        List<AuditEventEntity> page = audit.page(tenantId, before, size);
        List<AuditEventView> data = page.stream().limit(size).map(e -> new AuditEventView("audit_" + e.id, "audit_event",
                e.createdAt.toEpochSecond(), e.actor, e.action, e.tenantId, e.target, readJson(e.detail))).toList();
        return ListObject.of(data, page.size() > size, AuditEventView::id);
    }

    private JsonNode readJson(String text) {
        try {
            return text == null ? null : json.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("audit detail is not JSON", e);
        }
    }

    @DELETE
    @Path("/api_keys/{keyId}")
    public KeyView revoke(@PathParam("keyId") String keyId) {
        KeyView revoked = KeyView.of(service.revoke(keyId), null);
        liveKeys.forget(keyId); // committed: the key stops working in this replica at once
        return revoked;
    }
}
