-- Tenant key rotation (PROTOCOL.md "Keys" 4, docs/accounts.md): when a
-- confirmed admin is removed, the tenant keys are due for rotation
-- (tenant.key_rotation_due_at); a remaining admin's browser makes new key
-- pairs, re-seals every configuration and signs a cmk-key-rotation+jws
-- statement with the old signing key. Each statement is kept, in order, so a
-- proxy pinned to any earlier key can follow the chain to the current one.

ALTER TABLE tenant ADD COLUMN key_rotation_due_at timestamptz(3);

CREATE TABLE tenant_key_rotation (
  tenant_id     text NOT NULL,
  ordinal       integer NOT NULL,
  jws           text NOT NULL,
  previous_kid  text NOT NULL,
  next_kid      text NOT NULL,
  created_by_id text,
  created_at    timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT tenant_key_rotation_pkey PRIMARY KEY (tenant_id, ordinal),
  CONSTRAINT tenant_key_rotation_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE
);
