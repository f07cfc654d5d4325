-- Proxy deployments, their API keys and status reports; the broker's signing
-- keys and rotation statements; and the delivery sequence that orders every
-- change a proxy must receive (per environment).

ALTER TABLE environment ADD COLUMN delivery_seq integer NOT NULL DEFAULT 0;
ALTER TABLE tenant ADD COLUMN delivery_seq integer NOT NULL DEFAULT 0;
ALTER TABLE tenant ADD COLUMN recipient_kids text[] NOT NULL DEFAULT '{}';
CREATE INDEX tenant_environment_id_delivery_seq_idx ON tenant (environment_id, delivery_seq);
CREATE INDEX tenant_recipient_kids_idx ON tenant USING GIN (recipient_kids);

ALTER TABLE tenant_config_version ADD COLUMN state_seq integer NOT NULL DEFAULT 0;

CREATE TABLE proxy_deployment (
  id              text PRIMARY KEY,
  name            text NOT NULL,
  environment_id  text NOT NULL,
  public_jwk      jsonb NOT NULL,
  kid             text NOT NULL,
  status          text NOT NULL DEFAULT 'active',
  created_by_id   text,
  created_at      timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at      timestamptz(3) NOT NULL,
  disabled_at     timestamptz(3),
  last_used_at    timestamptz(3),
  last_status_at  timestamptz(3),
  applied_cursor  text,
  applied_seq     integer,
  error_count     integer NOT NULL DEFAULT 0,
  errors          jsonb NOT NULL DEFAULT '[]',
  CONSTRAINT proxy_deployment_environment_id_fkey FOREIGN KEY (environment_id) REFERENCES environment (id) ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX proxy_deployment_kid_key ON proxy_deployment (kid);
CREATE INDEX proxy_deployment_environment_id_idx ON proxy_deployment (environment_id);

CREATE TABLE deployment_api_key (
  id             text PRIMARY KEY,
  deployment_id  text NOT NULL,
  key_hash       text NOT NULL,
  created_at     timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at     timestamptz(3),
  last_used_at   timestamptz(3),
  revoked_at     timestamptz(3),
  CONSTRAINT deployment_api_key_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES proxy_deployment (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX deployment_api_key_key_hash_key ON deployment_api_key (key_hash);
CREATE INDEX deployment_api_key_deployment_id_idx ON deployment_api_key (deployment_id);

CREATE TABLE deployment_tenant_status (
  deployment_id  text NOT NULL,
  tenant_id      text NOT NULL,
  applied_seq    integer NOT NULL DEFAULT 0,
  applied_at     timestamptz(3),
  errors         jsonb NOT NULL DEFAULT '[]',
  updated_at     timestamptz(3) NOT NULL,
  CONSTRAINT deployment_tenant_status_pkey PRIMARY KEY (deployment_id, tenant_id),
  CONSTRAINT deployment_tenant_status_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES proxy_deployment (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT deployment_tenant_status_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX deployment_tenant_status_tenant_id_idx ON deployment_tenant_status (tenant_id);

CREATE TABLE broker_signing_key (
  kid             text PRIMARY KEY,
  public_jwk      jsonb NOT NULL,
  private_sealed  text NOT NULL,
  created_at      timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  activated_at    timestamptz(3),
  superseded_at   timestamptz(3),
  retire_after    timestamptz(3),
  retired_at      timestamptz(3)
);

CREATE TABLE broker_key_rotation (
  id            text PRIMARY KEY,
  previous_kid  text NOT NULL,
  next_kid      text NOT NULL,
  jws           text NOT NULL,
  created_at    timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX broker_key_rotation_created_at_idx ON broker_key_rotation (created_at);
