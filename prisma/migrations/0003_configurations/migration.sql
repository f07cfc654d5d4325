-- Tenant configurations (clear metadata), their sealed versions, and the
-- tenant's signed states.

ALTER TABLE tenant ADD COLUMN state_seq integer NOT NULL DEFAULT 0;

CREATE TABLE tenant_config (
  id              text PRIMARY KEY,
  tenant_id       text NOT NULL,
  kind            text NOT NULL,
  provider        text NOT NULL,
  label           text NOT NULL,
  latest_version  integer NOT NULL,
  status          text NOT NULL DEFAULT 'active',
  is_primary      boolean NOT NULL DEFAULT false,
  created_by_id   text,
  updated_by_id   text,
  created_at      timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at      timestamptz(3) NOT NULL,
  CONSTRAINT tenant_config_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX tenant_config_tenant_id_idx ON tenant_config (tenant_id);

CREATE TABLE tenant_config_version (
  config_id      text NOT NULL,
  version        integer NOT NULL,
  label          text NOT NULL,
  provider       text NOT NULL,
  jwe            jsonb NOT NULL,
  digest         text NOT NULL,
  size_bytes     integer NOT NULL,
  created_by_id  text,
  created_at     timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT tenant_config_version_pkey PRIMARY KEY (config_id, version),
  CONSTRAINT tenant_config_version_config_id_fkey FOREIGN KEY (config_id) REFERENCES tenant_config (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE tenant_state (
  tenant_id      text NOT NULL,
  seq            integer NOT NULL,
  jws            text NOT NULL,
  created_by_id  text,
  created_at     timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT tenant_state_pkey PRIMARY KEY (tenant_id, seq),
  CONSTRAINT tenant_state_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE
);
