-- quant-service schema v3: a base model private to one tenant is quantized for that tenant alone (its quantized
-- variant is private too), apart from any public base model with the same content. tenant_id is the owner, '' for a
-- public base model; the pair becomes (base digest, scheme, owner).
ALTER TABLE quantizations ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE quantizations DROP CONSTRAINT quantizations_pkey;
ALTER TABLE quantizations ADD PRIMARY KEY (base_digest, scheme, tenant_id);
