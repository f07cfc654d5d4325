-- Audit trail (issue 7): one row per state-changing action, written in the
-- same transaction as the change. Two hash chains run through the rows: the
-- vendor-wide one (vendor_seq, prev_hash, hash) and one per tenant
-- (tenant_seq, tenant_prev_hash, tenant_hash). The tenant is recorded by its
-- external id and without a foreign key, so deleting a tenant never breaks a
-- chain. Checkpoints sign the vendor chain's head with the broker signing key.

CREATE TABLE audit_event (
  id                 text PRIMARY KEY,
  vendor_seq         integer NOT NULL,
  tenant_external_id text,
  tenant_seq         integer,
  actor_type         text NOT NULL,
  actor_id           text,
  actor_label        text,
  action             text NOT NULL,
  target_type        text,
  target_id          text,
  outcome            text NOT NULL,
  ip                 text,
  user_agent         text,
  request_id         text,
  at                 timestamptz(3) NOT NULL,
  details            jsonb NOT NULL DEFAULT '{}',
  prev_hash          text,
  hash               text NOT NULL,
  tenant_prev_hash   text,
  tenant_hash        text
);
CREATE UNIQUE INDEX audit_event_vendor_seq_key ON audit_event (vendor_seq);
CREATE UNIQUE INDEX audit_event_tenant_external_id_tenant_seq_key ON audit_event (tenant_external_id, tenant_seq);
CREATE INDEX audit_event_tenant_external_id_at_idx ON audit_event (tenant_external_id, at);
CREATE INDEX audit_event_at_idx ON audit_event (at);

CREATE TABLE audit_checkpoint (
  id          text PRIMARY KEY,
  vendor_seq  integer NOT NULL,
  hash        text NOT NULL,
  kid         text NOT NULL,
  jws         text NOT NULL,
  created_at  timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX audit_checkpoint_vendor_seq_key ON audit_checkpoint (vendor_seq);
