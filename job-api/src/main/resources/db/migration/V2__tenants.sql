-- job-api schema v2: tenants with their limits, hashed API keys, idempotency keys of job creates.

CREATE TABLE tenants (
    id                TEXT        PRIMARY KEY,
    name              TEXT        NOT NULL UNIQUE,
    max_running_jobs  INTEGER     NOT NULL,
    max_queued_jobs   INTEGER     NOT NULL,
    max_file_bytes    BIGINT      NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- keys are random 240-bit secrets: a plain SHA-256 is the right hash (no brute force is feasible)
CREATE TABLE api_keys (
    id            TEXT        PRIMARY KEY,
    tenant_id     TEXT        NOT NULL REFERENCES tenants (id),
    key_hash      TEXT        NOT NULL UNIQUE,
    prefix        TEXT        NOT NULL,
    name          TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at    TIMESTAMPTZ,
    last_used_at  TIMESTAMPTZ
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);

CREATE TABLE idempotency_keys (
    tenant_id     TEXT        NOT NULL REFERENCES tenants (id),
    key           TEXT        NOT NULL,
    request_hash  TEXT        NOT NULL,
    job_id        TEXT        NOT NULL REFERENCES jobs (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);
