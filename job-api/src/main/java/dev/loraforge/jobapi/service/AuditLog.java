package dev.loraforge.jobapi.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loraforge.jobapi.repository.AuditEventEntity;
import dev.loraforge.jobapi.repository.AuditEventRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

/** Writes the audit log: one row per operator action, in the action's own transaction (both happen or neither). */
@ApplicationScoped
public class AuditLog {

    /** The admin key's identity. */
    public static final String ADMIN = "admin";

    private final AuditEventRepository events;
    private final ObjectMapper json;

    public AuditLog(AuditEventRepository events, ObjectMapper json) {
        this.events = events;
        this.json = json;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String action, String tenantId, String target, Map<String, ?> detail) {
        AuditEventEntity e = new AuditEventEntity();
        e.createdAt = OffsetDateTime.now(ZoneOffset.UTC);
        e.actor = ADMIN;
        e.action = action;
        e.tenantId = tenantId;
        e.target = target;
        try {
            e.detail = detail == null ? null : json.writeValueAsString(detail);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("audit detail is not JSON: " + ex.getMessage(), ex);
        }
        events.persist(e);
    }
}
