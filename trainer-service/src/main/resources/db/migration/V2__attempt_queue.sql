-- trainer-service schema v2: the attempts table becomes the pool's work queue.
-- The dispatch consumer only records an attempt (state pending) and acknowledges the record; idle
-- workers of any replica claim the oldest pending attempt with SELECT ... FOR UPDATE SKIP LOCKED.
ALTER TABLE attempts RENAME COLUMN status TO state;
ALTER TABLE attempts ALTER COLUMN worker_id DROP NOT NULL;
ALTER TABLE attempts RENAME COLUMN started_at TO claimed_at;
ALTER TABLE attempts ALTER COLUMN claimed_at DROP NOT NULL;
ALTER TABLE attempts ALTER COLUMN claimed_at DROP DEFAULT;

ALTER TABLE attempts
    -- when the dispatch was recorded (queue order)
    ADD COLUMN recorded_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- the dispatched event's payload (JobDispatched as JSON); null only for rows of schema v1
    ADD COLUMN payload          TEXT,
    -- the worker's last sign of life while it holds the attempt
    ADD COLUMN heartbeat_at     TIMESTAMPTZ,
    ADD COLUMN cancel_requested BOOLEAN     NOT NULL DEFAULT false,
    ADD COLUMN pause_requested  BOOLEAN     NOT NULL DEFAULT false,
    -- optimizer updates done (as of the last heartbeat or the end) and planned
    ADD COLUMN step             INTEGER,
    ADD COLUMN total_steps      INTEGER,
    -- the step the attempt had reached when a cancel / pause / supersede reached its worker
    ADD COLUMN stop_requested_step INTEGER,
    -- newest checkpoint stored by this attempt (a resume point if the attempt is handed back)
    ADD COLUMN checkpoint_id     TEXT,
    ADD COLUMN checkpoint_digest TEXT,
    ADD COLUMN checkpoint_step   INTEGER,
    ADD COLUMN error_code       TEXT,
    ADD COLUMN error_message    TEXT,
    -- the attempt's final event (outcome or PAUSED progress) as a CloudEvents JSON envelope, written
    -- with the final state and published from here until Kafka acknowledges it (an outbox of one)
    ADD COLUMN final_topic      TEXT,
    ADD COLUMN final_event      TEXT,
    ADD COLUMN final_sent_at    TIMESTAMPTZ;

ALTER TABLE attempts ADD CONSTRAINT attempts_state CHECK (state IN
    ('pending', 'running', 'paused', 'succeeded', 'failed', 'cancelled', 'superseded'));

CREATE INDEX attempts_pending ON attempts (recorded_at) WHERE state = 'pending';
CREATE INDEX attempts_unsent ON attempts (recorded_at) WHERE final_event IS NOT NULL AND final_sent_at IS NULL;

-- Jobs cancelled by job-api: a dispatch that arrives after its cancel is recorded as cancelled.
CREATE TABLE cancelled_jobs (
    job_id       TEXT        PRIMARY KEY,
    reason       TEXT,
    requested_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
