package dev.loraforge.jobapi.service;

import dev.loraforge.jobapi.auth.ApiKeys;
import dev.loraforge.jobapi.config.JobApiConfig;
import dev.loraforge.jobapi.repository.ApiKeyEntity;
import dev.loraforge.jobapi.repository.ApiKeyRepository;
import dev.loraforge.jobapi.repository.TenantEntity;
import dev.loraforge.jobapi.repository.TenantRepository;
import dev.loraforge.jobapi.rest.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Tenants, their limits and their API keys (the admin API's business rules). */
@ApplicationScoped
public class TenantService {

    private final TenantRepository tenants;
    private final ApiKeyRepository keys;
    private final JobApiConfig config;

    private final AuditLog audit;

    public TenantService(TenantRepository tenants, ApiKeyRepository keys, JobApiConfig config, AuditLog audit) {
        this.audit = audit;
        this.tenants = tenants;
        this.keys = keys;
        this.config = config;
    }

    /** A created key: the secret is returned once and never stored. */
    public record CreatedKey(ApiKeyEntity entity, String secret) {
    }

    @Transactional
    public TenantEntity create(String name, Integer maxRunning, Integer maxQueued, Long maxFileBytes) {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw ApiException.invalid("name must be 1-63 lowercase letters, digits or '-', starting with a letter or digit", "name");
        }
        if (tenants.count("name", name) > 0) {
            throw new ApiException(409, "invalid_request_error", "a tenant named '" + name + "' exists", "name", "conflict");
        }
        TenantEntity t = new TenantEntity();
        t.id = "tenant-" + name;
        t.name = name;
        t.maxRunningJobs = positive(maxRunning, config.limits().maxRunningJobs(), "max_running_jobs");
        t.maxQueuedJobs = positive(maxQueued, config.limits().maxQueuedJobs(), "max_queued_jobs");
        t.maxFileBytes = maxFileBytes == null ? config.limits().maxFileBytes() : maxFileBytes;
        if (t.maxFileBytes < 1) {
            throw ApiException.invalid("max_file_bytes must be >= 1", "max_file_bytes");
        }
        t.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        tenants.persist(t);
        audit.record("tenant.created", t.id, t.id, java.util.Map.of("name", t.name, "max_running_jobs", t.maxRunningJobs,
                "max_queued_jobs", t.maxQueuedJobs, "max_file_bytes", t.maxFileBytes));
        return t;
    }

    @Transactional
    public CreatedKey createKey(String tenantId, String name) {
        TenantEntity tenant = tenants.findByIdOptional(tenantId)
                .orElseThrow(() -> ApiException.notFound("tenant", tenantId, "tenant_id"));
        String secret = ApiKeys.newKey();
        ApiKeyEntity key = new ApiKeyEntity();
        key.id = Ids.next("key");
        key.tenantId = tenant.id;
        key.keyHash = ApiKeys.hash(secret);
        key.prefix = secret.substring(0, 7);
        key.name = name;
        key.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        keys.persist(key);
        java.util.Map<String, Object> detail = new java.util.LinkedHashMap<>();
        detail.put("prefix", key.prefix);
        if (name != null) {
            detail.put("name", name);
        }
        audit.record("api_key.created", tenant.id, key.id, detail);
        return new CreatedKey(key, secret);
    }

    @Transactional
    public ApiKeyEntity revoke(String keyId) {
        ApiKeyEntity key = keys.findByIdOptional(keyId).orElseThrow(() -> ApiException.notFound("API key", keyId, "key_id"));
        if (key.revokedAt == null) {
            key.revokedAt = OffsetDateTime.now(ZoneOffset.UTC);
            audit.record("api_key.revoked", key.tenantId, key.id, java.util.Map.of("prefix", key.prefix));
        }
        return key;
    }

    private static int positive(Integer value, int fallback, String field) {
        int v = value == null ? fallback : value;
        if (v < 1) {
            throw ApiException.invalid(field + " must be >= 1, got " + v, field);
        }
        return v;
    }
}
