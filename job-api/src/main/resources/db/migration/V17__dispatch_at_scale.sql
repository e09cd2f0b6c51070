-- job-api schema v17: the dispatcher's and the lease check's reads cost what is in flight, not what is queued. With
-- 35,000 jobs queued and 125,000 in the table, each half-second dispatch ran three reads over every queued job or
-- every row (the running slots per tenant: a sequential scan of 250-530 ms; the tenants with a waiting job: 125 ms),
-- and the five-second lease check a sequential scan of 480 ms.
-- The running slots per tenant (dispatched or training), and the lease check's running jobs:
CREATE INDEX jobs_in_flight ON jobs (tenant_id) WHERE status = 'running' OR (status = 'queued' AND dispatched_at IS NOT NULL);
-- The jobs the dispatcher may hand out, by tenant and age: a QLoRA job still waiting for its quantized base is not in
-- it, so finding the tenants with a dispatchable job is one descent of the index per tenant (a skip scan).
CREATE INDEX jobs_dispatchable ON jobs (tenant_id, created_at, id)
    WHERE status = 'queued' AND dispatched_at IS NULL AND (quantization_scheme IS NULL OR quantized_model_digest IS NOT NULL);
DROP INDEX jobs_waiting_by_tenant;
