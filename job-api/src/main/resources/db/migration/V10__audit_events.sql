-- job-api schema v10: the audit log of the operator's actions (tenants, API keys), written in the same transaction as
-- the action, never updated; read newest first, per tenant or all (GET /admin/v1/audit_events).
CREATE TABLE audit_events (
    id         BIGSERIAL PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    actor      TEXT        NOT NULL,
    action     TEXT        NOT NULL,
    tenant_id  TEXT,
    target     TEXT,
    detail     JSONB
);
CREATE INDEX audit_events_tenant ON audit_events (tenant_id, id);
