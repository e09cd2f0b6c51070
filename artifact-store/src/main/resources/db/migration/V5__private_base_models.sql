-- artifact-store schema v5: base models may be private to one tenant, and so are the quantized variants made from
-- them. tenant_id stays required for the tenant-owned kinds (datasets, checkpoints, adapters); for base and quantized
-- models it is null when the model is public and names the owner when it is private. Names stay unique across all
-- base models, so a name means one model wherever it is used.
DO $$
DECLARE
    c TEXT;
BEGIN
    SELECT conname INTO c FROM pg_constraint
     WHERE conrelid = 'artifacts'::regclass AND contype = 'c'
       AND pg_get_constraintdef(oid) LIKE '%tenant_id IS NULL%';
    IF c IS NOT NULL THEN
        EXECUTE 'ALTER TABLE artifacts DROP CONSTRAINT ' || quote_ident(c);
    END IF;
END $$;
ALTER TABLE artifacts ADD CONSTRAINT artifacts_tenant_owned_kinds
    CHECK (kind IN ('base_model', 'quantized_model') OR tenant_id IS NOT NULL);

-- an upload names the tenant its model will be private to (null: public)
ALTER TABLE model_uploads ADD COLUMN tenant_id TEXT CHECK (tenant_id IS NULL OR length(tenant_id) BETWEEN 1 AND 200);
