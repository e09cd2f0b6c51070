-- artifact-store schema v1: what the store has heard of each job attempt's outcome.
CREATE TABLE job_outcomes (
    job_id          TEXT        NOT NULL,
    attempt         INTEGER     NOT NULL,
    status          TEXT        NOT NULL,
    worker_id       TEXT        NOT NULL,
    adapter_id      TEXT,
    adapter_digest  TEXT,
    engine_version  TEXT,
    error_code      TEXT,
    error_message   TEXT,
    event_id        TEXT        NOT NULL UNIQUE,
    received_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, attempt)
);
