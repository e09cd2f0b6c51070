-- artifact-store schema v3: a blob is read as a tenant (GET /api/v1/blobs/{digest} with X-Tenant-Id) only when one
-- of the tenant's artifacts, or a shared one, stores it or names it as its result file; this finds the latter.
CREATE INDEX artifacts_result_file ON artifacts ((metadata -> 'result_file' ->> 'digest'));
