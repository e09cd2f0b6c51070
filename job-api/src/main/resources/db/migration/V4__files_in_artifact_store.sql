-- job-api schema v4: file contents live in artifact-store (content-addressed); job-api keeps the
-- metadata, the dataset artifact's id and what validation found.
ALTER TABLE files DROP COLUMN content;
ALTER TABLE files ADD COLUMN artifact_id TEXT;
ALTER TABLE files ADD COLUMN format TEXT;
ALTER TABLE files ADD COLUMN examples INTEGER;
