-- job-api schema v18: a create writes fewer index entries. jobs_waiting (V5) served only the dispatcher's reads, which
-- jobs_dispatchable (V17) serves now. The metadata index (V8) held an entry for every job, with metadata or without: a
-- GIN index keeps NULLs as entries too, added to its pending list and merged into the index by whichever insert finds
-- the list full; only jobs with metadata can match a containment filter, so only they are indexed.
DROP INDEX jobs_waiting;
DROP INDEX jobs_metadata;
CREATE INDEX jobs_metadata ON jobs USING GIN (metadata jsonb_path_ops) WHERE metadata IS NOT NULL;
