-- trainer-service schema v1: the job attempts this pool of workers has taken.
CREATE TABLE attempts (
    job_id       TEXT        NOT NULL,
    attempt      INTEGER     NOT NULL,
    worker_id    TEXT        NOT NULL,
    status       TEXT        NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at  TIMESTAMPTZ,
    PRIMARY KEY (job_id, attempt)
);
