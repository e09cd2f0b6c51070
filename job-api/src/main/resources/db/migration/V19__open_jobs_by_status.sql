-- job-api schema v19: the operator metrics' queue depth per tenant read from an index. Their query (queued and running
-- jobs per tenant and status, every 15 s) had no index with the status in it and scanned the whole table in parallel:
-- 0.4-1.4 s with 300,000 jobs, both cores busy, every create in flight waiting. The index of the open jobs per tenant
-- (V14, the queue limit's count) now holds the status too, so both read only the open jobs' entries; a create still
-- writes one entry into it.
CREATE INDEX jobs_open_by_tenant_status ON jobs (tenant_id, status)
    WHERE status IN ('validating_files', 'queued', 'running', 'paused');
DROP INDEX jobs_open_by_tenant;
