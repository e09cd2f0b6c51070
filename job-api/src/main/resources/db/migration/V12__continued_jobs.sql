-- A job may continue from one of its tenant's fine-tuned models (model 'ft:...'): training starts from that
-- model's adapter. model keeps what the tenant asked for; base_model_name is the base underneath (null: model is it).
ALTER TABLE jobs ADD COLUMN base_model_name TEXT;
ALTER TABLE jobs ADD COLUMN parent_job_id TEXT REFERENCES jobs (id);
ALTER TABLE jobs ADD COLUMN init_adapter_id TEXT;
ALTER TABLE jobs ADD COLUMN init_adapter_digest TEXT;
