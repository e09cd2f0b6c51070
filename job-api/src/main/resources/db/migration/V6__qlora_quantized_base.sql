-- job-api schema v6: QLoRA jobs train on a quantized variant of their base model; until it exists
-- they wait (status queued, status_detail waiting_for_quantization).
ALTER TABLE jobs ADD COLUMN quantization_scheme TEXT;
ALTER TABLE jobs ADD COLUMN quantized_model_id TEXT;
ALTER TABLE jobs ADD COLUMN quantized_model_digest TEXT;
