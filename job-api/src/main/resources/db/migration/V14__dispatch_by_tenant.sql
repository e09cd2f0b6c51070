-- job-api schema v14: the dispatcher reads only the waiting jobs of tenants with a free running slot, and a create
-- counts the tenant's unfinished jobs; both without walking a tenant's whole history.
CREATE INDEX jobs_waiting_by_tenant ON jobs (tenant_id, created_at, id) WHERE status = 'queued' AND dispatched_at IS NULL;
CREATE INDEX jobs_open_by_tenant ON jobs (tenant_id) WHERE status IN ('validating_files', 'queued', 'running', 'paused');
