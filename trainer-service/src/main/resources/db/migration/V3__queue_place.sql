-- An attempt's place in the queue: when the pool first saw its job. A re-dispatched attempt (lost lease, resume
-- after pause) keeps the place of the job's first attempt instead of going behind everything recorded since.
ALTER TABLE attempts ADD COLUMN queued_at TIMESTAMPTZ;
UPDATE attempts SET queued_at = recorded_at;
ALTER TABLE attempts ALTER COLUMN queued_at SET NOT NULL;
CREATE INDEX attempts_queue ON attempts (queued_at) WHERE state = 'pending';
