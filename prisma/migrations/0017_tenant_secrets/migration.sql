-- Tenant secrets for deterministic keys (issue 25, docs/tsp.md "Deterministic
-- keys", docs/database.md "Tenant secrets"): the KMS-wrapped form of each
-- secret a proxy made, one row per (tenant, path, id); the first proxy to
-- insert a row wins and every other gets that row back. Rotation state is not
-- stored here: it is in the tenant's signed state.
CREATE TABLE tenant_secret (
  tenant_id                 text NOT NULL,
  secret_path               text NOT NULL,
  tenant_secret_id          integer NOT NULL,
  kms_config_id             integer NOT NULL,
  wrapped                   text NOT NULL,
  digest                    text NOT NULL,
  created_by_deployment_id  text,
  created_at                timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT tenant_secret_pkey PRIMARY KEY (tenant_id, secret_path, tenant_secret_id),
  CONSTRAINT tenant_secret_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT tenant_secret_created_by_deployment_id_fkey FOREIGN KEY (created_by_deployment_id) REFERENCES proxy_deployment (id) ON DELETE SET NULL ON UPDATE CASCADE,
  CONSTRAINT tenant_secret_id_positive CHECK (tenant_secret_id >= 1 AND kms_config_id >= 1)
);
