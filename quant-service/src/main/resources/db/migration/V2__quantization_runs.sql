-- quant-service schema v2: the pair's row carries the run (lease, heartbeat), its result and the
-- requesters still waiting for it.
ALTER TABLE quantizations RENAME COLUMN request_ids TO waiting_request_ids;
ALTER TABLE quantizations
    ADD COLUMN base_name        TEXT,
    ADD COLUMN request_count    INTEGER     NOT NULL DEFAULT 0,
    ADD COLUMN attempts         INTEGER     NOT NULL DEFAULT 0,
    ADD COLUMN owner            TEXT,
    ADD COLUMN heartbeat_at     TIMESTAMPTZ,
    ADD COLUMN quantized_id     TEXT,
    ADD COLUMN quantized_digest TEXT,
    ADD COLUMN bytes_before     BIGINT,
    ADD COLUMN bytes_after      BIGINT,
    ADD COLUMN mean_abs_error   DOUBLE PRECISION,
    ADD COLUMN duration_ms      BIGINT,
    ADD COLUMN engine_version   TEXT,
    ADD COLUMN error_retryable  BOOLEAN     NOT NULL DEFAULT FALSE,
    ADD COLUMN finished_at      TIMESTAMPTZ;

-- rows of the foundation stage never ran: a new request retries them
UPDATE quantizations SET error_retryable = TRUE, request_count = cardinality(waiting_request_ids),
                         waiting_request_ids = '{}'
 WHERE error_code = 'quantization_not_wired';

ALTER TABLE quantizations
    ADD CONSTRAINT quantizations_status_check CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
    ADD CONSTRAINT quantizations_result_check CHECK (status <> 'succeeded' OR (quantized_id IS NOT NULL AND quantized_digest IS NOT NULL)),
    ADD CONSTRAINT quantizations_error_check CHECK (status <> 'failed' OR error_code IS NOT NULL);

-- the sweeper looks for pending rows and running rows whose heartbeat stopped
CREATE INDEX quantizations_open_idx ON quantizations (status, heartbeat_at) WHERE status IN ('pending', 'running');
