-- A succeeded job's result file (OpenAI's step_metrics.csv, purpose 'fine-tune-results'), a file row of its tenant.
ALTER TABLE jobs ADD COLUMN result_file_id TEXT REFERENCES files (id);
