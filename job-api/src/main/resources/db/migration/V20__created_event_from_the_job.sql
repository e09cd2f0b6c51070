-- job-api schema v20: a job's first event, "Created fine-tuning job: ftjob-...", is no longer stored: it repeats the
-- job's id and creation time, and its insert (a row, two index entries and a key-share lock on the new job for the
-- foreign key) was a third of what a create cost the database. job-api makes it from the job on reading, with the id
-- 'ftevent-' followed by the job id's random part. The rows stored before are removed, or they would show twice.
DELETE FROM job_events WHERE type = 'message' AND level = 'info' AND message = 'Created fine-tuning job: ' || job_id;
