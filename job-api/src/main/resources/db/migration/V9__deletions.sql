-- job-api schema v9: DELETE /v1/files/{id} hides a file from its tenant (list, retrieve, content, new jobs) while jobs
-- that already use it keep training on it and its dataset keeps its lineage in artifact-store; the list index serves
-- GET /v1/files newest (or oldest) first per tenant.
ALTER TABLE files ADD COLUMN deleted_at TIMESTAMPTZ;
CREATE INDEX files_tenant_created ON files (tenant_id, created_at, id) WHERE deleted_at IS NULL;
-- DELETE /v1/models/{ft:...}: the fine-tuned model is no longer listed nor served; the job and its lineage stay.
ALTER TABLE jobs ADD COLUMN model_deleted_at TIMESTAMPTZ;
