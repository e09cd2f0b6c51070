-- job-api schema v5: fair dispatch, attempt leases, checkpoints.

-- when the current attempt went to Kafka (null: waiting for dispatch), its last sign of life,
-- and the additive detail of the OpenAI status (e.g. waiting_for_capacity)
ALTER TABLE jobs ADD COLUMN dispatched_at TIMESTAMPTZ;
ALTER TABLE jobs ADD COLUMN last_heartbeat_at TIMESTAMPTZ;
ALTER TABLE jobs ADD COLUMN status_detail TEXT;
CREATE INDEX jobs_waiting ON jobs (created_at) WHERE status = 'queued' AND dispatched_at IS NULL;

CREATE TABLE job_checkpoints (
    id                 TEXT        PRIMARY KEY,
    job_id             TEXT        NOT NULL REFERENCES jobs (id),
    attempt            INTEGER     NOT NULL,
    step               INTEGER     NOT NULL,
    artifact_id        TEXT        NOT NULL,
    digest             TEXT        NOT NULL,
    metrics            JSONB       NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (job_id, step)
);

-- the base model resolved at create time (artifact-store registry)
ALTER TABLE jobs ADD COLUMN base_model_id TEXT;
ALTER TABLE jobs ADD COLUMN base_model_digest TEXT;

-- the key row is written first, with the id the new job will have; the job row follows in the
-- same transaction, so the reference is checked at commit
ALTER TABLE idempotency_keys ALTER CONSTRAINT idempotency_keys_job_id_fkey DEFERRABLE INITIALLY DEFERRED;

-- the trained adapter in artifact-store (succeeded jobs)
ALTER TABLE jobs ADD COLUMN adapter_id TEXT;
ALTER TABLE jobs ADD COLUMN adapter_digest TEXT;
