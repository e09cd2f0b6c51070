-- quant-service schema v1: one row per (base model digest, scheme), whoever asked and how often.
CREATE TABLE quantizations (
    base_digest    TEXT        NOT NULL,
    scheme         TEXT        NOT NULL,
    base_id        TEXT        NOT NULL,
    status         TEXT        NOT NULL,
    request_ids    TEXT[]      NOT NULL,
    error_code     TEXT,
    error_message  TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (base_digest, scheme)
);
