-- artifact-store schema v4: base models uploaded in parts (the shape of OpenAI's Uploads API: create, add parts,
-- complete). The parts' bytes live under artifacts.storage-dir/model-uploads/<upload id>/, a row per part here;
-- completing joins the chosen parts into a tar of the model directory, checks it and registers the base model.
CREATE TABLE model_uploads (
    id            TEXT        PRIMARY KEY,
    name          TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    revision      TEXT,
    filename      TEXT,
    bytes         BIGINT      NOT NULL CHECK (bytes > 0),
    status        TEXT        NOT NULL CHECK (status IN ('pending', 'completed', 'cancelled', 'failed', 'expired')),
    error         TEXT,
    artifact_id   TEXT        REFERENCES artifacts (id),
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    completed_at  TIMESTAMPTZ
);
CREATE INDEX model_uploads_pending ON model_uploads (expires_at) WHERE status = 'pending';

CREATE TABLE model_upload_parts (
    id          TEXT        PRIMARY KEY,
    upload_id   TEXT        NOT NULL REFERENCES model_uploads (id) ON DELETE CASCADE,
    size        BIGINT      NOT NULL CHECK (size > 0),
    sha256      TEXT        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX model_upload_parts_upload ON model_upload_parts (upload_id, created_at);
