-- artifact-store schema v2: the registry of artifacts and their lineage, and what the event
-- consumers checked. Blobs live outside the database (artifacts.storage-dir); digest names one.

CREATE TABLE artifacts (
    id          TEXT        PRIMARY KEY,
    -- creation order: "newest first" sorts on it
    seq         BIGINT      GENERATED ALWAYS AS IDENTITY UNIQUE,
    kind        TEXT        NOT NULL
                CHECK (kind IN ('base_model', 'dataset', 'quantized_model', 'checkpoint', 'adapter')),
    name        TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    digest      TEXT        NOT NULL CHECK (digest ~ '^sha256:[0-9a-f]{64}$'),
    size        BIGINT      NOT NULL CHECK (size >= 0),
    -- null exactly for the shared kinds (base and quantized models)
    tenant_id   TEXT,
    job_id      TEXT,
    metadata    JSONB       NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind IN ('base_model', 'quantized_model')) = (tenant_id IS NULL))
);
-- base models are addressed by name
CREATE UNIQUE INDEX artifacts_base_model_name ON artifacts (name) WHERE kind = 'base_model';
CREATE INDEX artifacts_kind ON artifacts (kind, seq);
CREATE INDEX artifacts_tenant ON artifacts (tenant_id, seq);
CREATE INDEX artifacts_job ON artifacts (job_id, seq);
CREATE INDEX artifacts_digest ON artifacts (digest);
CREATE INDEX artifacts_scheme ON artifacts ((metadata ->> 'scheme'));

-- "child RELATION parent"; written once with the child, never changed
CREATE TABLE lineage_edges (
    child_id    TEXT NOT NULL REFERENCES artifacts (id),
    parent_id   TEXT NOT NULL REFERENCES artifacts (id),
    relation    TEXT NOT NULL,
    PRIMARY KEY (child_id, parent_id, relation),
    CHECK (child_id <> parent_id)
);
CREATE INDEX lineage_edges_parent ON lineage_edges (parent_id);

-- every CheckpointSaved event received, and whether the artifact it names checked out
CREATE TABLE checkpoint_events (
    event_id        TEXT        PRIMARY KEY,
    job_id          TEXT        NOT NULL,
    attempt         INTEGER     NOT NULL,
    worker_id       TEXT        NOT NULL,
    step            INTEGER     NOT NULL,
    checkpoint_id   TEXT        NOT NULL,
    digest          TEXT        NOT NULL,
    metrics         JSONB       NOT NULL DEFAULT '{}'::jsonb,
    verified        BOOLEAN     NOT NULL,
    problem         TEXT,
    received_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX checkpoint_events_job ON checkpoint_events (job_id, step);

-- an event named an artifact that is missing or does not match: for operators to look at
CREATE TABLE artifact_warnings (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic           TEXT        NOT NULL,
    event_id        TEXT        NOT NULL,
    job_id          TEXT,
    artifact_id     TEXT        NOT NULL,
    digest          TEXT,
    problem         TEXT        NOT NULL,
    received_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (event_id, artifact_id)
);
CREATE INDEX artifact_warnings_job ON artifact_warnings (job_id);
