-- job-api schema v8: OpenAI's job metadata (up to 16 string pairs), stored as given and filterable on list
-- (metadata[k]=v is JSONB containment, served by the GIN index).
ALTER TABLE jobs ADD COLUMN metadata JSONB;
CREATE INDEX jobs_metadata ON jobs USING GIN (metadata jsonb_path_ops);
