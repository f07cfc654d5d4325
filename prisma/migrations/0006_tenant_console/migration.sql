-- The operators' tenant console at scale: per-tenant summary columns kept in
-- the same transaction as every configuration change (so listing, filtering
-- and sorting 10 000 tenants never aggregates configurations), indexes for
-- keyset pagination on each sort column, and the deletion request that
-- starts the 36-hour wait before a tenant may be deleted.

ALTER TABLE tenant ADD COLUMN kms_count integer NOT NULL DEFAULT 0;
ALTER TABLE tenant ADD COLUMN kms_primary_provider text;
ALTER TABLE tenant ADD COLUMN siem_count integer NOT NULL DEFAULT 0;
ALTER TABLE tenant ADD COLUMN siem_primary_provider text;
ALTER TABLE tenant ADD COLUMN last_change_at timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE tenant ADD COLUMN deletion_requested_at timestamptz(3);
ALTER TABLE tenant ADD COLUMN deletion_requested_by_id text;

UPDATE tenant t SET
  kms_count = (SELECT count(*) FROM tenant_config c WHERE c.tenant_id = t.id AND c.kind = 'kms' AND c.status = 'active'),
  kms_primary_provider = (SELECT c.provider FROM tenant_config c WHERE c.tenant_id = t.id AND c.kind = 'kms' AND c.is_primary LIMIT 1),
  siem_count = (SELECT count(*) FROM tenant_config c WHERE c.tenant_id = t.id AND c.kind = 'siem' AND c.status = 'active'),
  siem_primary_provider = (SELECT c.provider FROM tenant_config c WHERE c.tenant_id = t.id AND c.kind = 'siem' AND c.is_primary LIMIT 1),
  last_change_at = COALESCE((SELECT max(s.created_at) FROM tenant_state s WHERE s.tenant_id = t.id), t.created_at);

CREATE INDEX tenant_display_name_external_id_idx ON tenant (display_name, external_id);
CREATE INDEX tenant_status_external_id_idx ON tenant (status, external_id);
CREATE INDEX tenant_last_change_at_external_id_idx ON tenant (last_change_at, external_id);
CREATE INDEX tenant_created_at_external_id_idx ON tenant (created_at, external_id);
