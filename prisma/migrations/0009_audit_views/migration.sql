-- Audit checkpoints per tenant (issue 7): a checkpoint signs either the head
-- of the vendor chain (scope 'vendor', as before) or the head of one tenant's
-- chain (scope 'tenant', with the tenant and its position). vendor_seq is the
-- vendor position of the signed event in both cases, so (scope, vendor_seq)
-- is unique: one vendor checkpoint per vendor head, one tenant checkpoint per
-- tenant head. Existing rows are vendor checkpoints and keep verifying.

ALTER TABLE audit_checkpoint ADD COLUMN scope text NOT NULL DEFAULT 'vendor';
ALTER TABLE audit_checkpoint ADD COLUMN tenant_external_id text;
ALTER TABLE audit_checkpoint ADD COLUMN tenant_seq integer;
ALTER TABLE audit_checkpoint ADD CONSTRAINT audit_checkpoint_scope_check CHECK (
  (scope = 'vendor' AND tenant_external_id IS NULL AND tenant_seq IS NULL)
  OR (scope = 'tenant' AND tenant_external_id IS NOT NULL AND tenant_seq IS NOT NULL)
);
DROP INDEX audit_checkpoint_vendor_seq_key;
CREATE UNIQUE INDEX audit_checkpoint_scope_vendor_seq_key ON audit_checkpoint (scope, vendor_seq);
CREATE UNIQUE INDEX audit_checkpoint_tenant_external_id_tenant_seq_key ON audit_checkpoint (tenant_external_id, tenant_seq);
