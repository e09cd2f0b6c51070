-- job-api schema v3: webhook endpoints of tenants, one delivery per endpoint and event, and the log
-- of every attempt (Standard Webhooks; see the webhooks package).

CREATE TABLE webhook_endpoints (
    id                          TEXT        PRIMARY KEY,
    tenant_id                   TEXT        NOT NULL REFERENCES tenants (id),
    url                         TEXT        NOT NULL,
    description                 TEXT,
    -- the event types sent to this endpoint
    events                      TEXT[]      NOT NULL,
    -- whsec_<base64>: kept as issued, since signing needs the key itself (a hash would not do)
    secret                      TEXT        NOT NULL,
    -- after a rotation with a grace period, the replaced secret also signs until it expires
    previous_secret             TEXT,
    previous_secret_expires_at  TIMESTAMPTZ,
    -- enabled, or disabled (the receiver answered 410 Gone)
    status                      TEXT        NOT NULL,
    status_reason               TEXT,
    created_at                  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, created_at DESC, id DESC);

-- written in the transaction that ends the job: committed together, or not at all
CREATE TABLE webhook_deliveries (
    id                TEXT        PRIMARY KEY,
    endpoint_id       TEXT        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- webhook-id: one per event, the same on every endpoint and every attempt
    event_id          TEXT        NOT NULL,
    event_type        TEXT        NOT NULL,
    job_id            TEXT        NOT NULL REFERENCES jobs (id),
    -- the exact body, fixed when the event happened
    payload           TEXT        NOT NULL,
    -- pending, delivered, failed
    status            TEXT        NOT NULL,
    attempts          INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMPTZ,
    -- the attempt in flight: its claim and until when it holds (then another replica may retry)
    claim_token       TEXT,
    claimed_until     TIMESTAMPTZ,
    last_attempt_at   TIMESTAMPTZ,
    last_status_code  INTEGER,
    last_error        TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at       TIMESTAMPTZ,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);

CREATE TABLE webhook_attempts (
    id               BIGSERIAL   PRIMARY KEY,
    delivery_id      TEXT        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt          INTEGER     NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    duration_ms      BIGINT      NOT NULL,
    -- the receiver's HTTP status; null when no response came (refused, timeout, connection error)
    status_code      INTEGER,
    error            TEXT,
    -- the delay chosen before the next attempt; null when none follows
    retry_delay_ms   BIGINT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
