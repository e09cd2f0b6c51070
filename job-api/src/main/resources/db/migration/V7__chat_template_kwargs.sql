-- job-api schema v7: extra arguments for the base model's chat template (e.g. enable_thinking), given at
-- create and carried to the trainer with every attempt.
ALTER TABLE jobs ADD COLUMN chat_template_kwargs JSONB;
