-- job-api schema v16: per-tenant request rates shared by every job-api replica: one token bucket per tenant and kind
-- of request (job creates, file uploads, completions), refilled by the database's clock, so replicas behind a balancer
-- allow the configured rate together instead of each allowing it.
CREATE TABLE rate_buckets (
    tenant_id  TEXT             NOT NULL,
    kind       TEXT             NOT NULL,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_at TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);
