-- The training throughput a succeeded job measured (its trainer's tokens per second), for dry runs' estimates.
ALTER TABLE jobs ADD COLUMN tokens_per_second DOUBLE PRECISION;
CREATE INDEX jobs_throughput ON jobs (base_model_digest, finished_at) WHERE tokens_per_second IS NOT NULL;
