-- job-api schema v1: training files, jobs, their events, and the transactional outbox.

CREATE TABLE files (
    id          TEXT        PRIMARY KEY,
    tenant_id   TEXT        NOT NULL,
    filename    TEXT        NOT NULL,
    purpose     TEXT        NOT NULL,
    bytes       BIGINT      NOT NULL,
    digest      TEXT        NOT NULL,
    content     BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX files_tenant ON files (tenant_id, created_at);

CREATE TABLE jobs (
    id                TEXT        PRIMARY KEY,
    tenant_id         TEXT        NOT NULL,
    model             TEXT        NOT NULL,
    status            TEXT        NOT NULL,
    training_file     TEXT        NOT NULL REFERENCES files (id),
    validation_file   TEXT        REFERENCES files (id),
    method            JSONB       NOT NULL,
    hyperparameters   JSONB       NOT NULL,
    seed              BIGINT      NOT NULL,
    suffix            TEXT,
    attempt           INTEGER     NOT NULL DEFAULT 1,
    trained_tokens    BIGINT,
    fine_tuned_model  TEXT,
    error_code        TEXT,
    error_message     TEXT,
    estimated_finish  TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at       TIMESTAMPTZ
);
CREATE INDEX jobs_tenant ON jobs (tenant_id, created_at DESC);

CREATE TABLE job_events (
    id          TEXT        PRIMARY KEY,
    job_id      TEXT        NOT NULL REFERENCES jobs (id),
    level       TEXT        NOT NULL,
    type        TEXT        NOT NULL,
    message     TEXT        NOT NULL,
    data        JSONB,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX job_events_job ON job_events (job_id, created_at DESC);

-- rows written in the same transaction as the change they announce; the relay publishes them
CREATE TABLE outbox (
    id            BIGSERIAL   PRIMARY KEY,
    topic         TEXT        NOT NULL,
    record_key    TEXT        NOT NULL,
    payload       TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at  TIMESTAMPTZ,
    attempts      INTEGER     NOT NULL DEFAULT 0,
    last_error    TEXT
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
