-- Accounts, sessions, tenants, admin memberships, invitations, recovery kits,
-- outbox mail, rate limits and broker settings.

CREATE TABLE app_user (
  id                text PRIMARY KEY,
  email             text NOT NULL,
  kdf_salt          text NOT NULL,
  kdf_iterations    integer NOT NULL,
  auth_key_hash     text NOT NULL,
  is_operator       boolean NOT NULL DEFAULT false,
  admin_public_jwk  jsonb NOT NULL,
  admin_key_kid     text NOT NULL,
  sealed_admin_key  text NOT NULL,
  session_version   integer NOT NULL DEFAULT 0,
  totp_secret_enc   text,
  totp_enabled_at   timestamptz(3),
  totp_last_step    integer,
  created_at        timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at        timestamptz(3) NOT NULL
);
CREATE UNIQUE INDEX app_user_email_key ON app_user (email);

CREATE TABLE user_session (
  id            text PRIMARY KEY,
  user_id       text NOT NULL,
  created_at    timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_seen_at  timestamptz(3) NOT NULL,
  expires_at    timestamptz(3) NOT NULL,
  revoked_at    timestamptz(3),
  ip            text,
  user_agent    text,
  CONSTRAINT user_session_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX user_session_user_id_idx ON user_session (user_id);

CREATE TABLE mfa_recovery_code (
  id         text PRIMARY KEY,
  user_id    text NOT NULL,
  code_hash  text NOT NULL,
  used_at    timestamptz(3),
  CONSTRAINT mfa_recovery_code_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX mfa_recovery_code_user_id_code_hash_key ON mfa_recovery_code (user_id, code_hash);

CREATE TABLE tenant (
  id              text PRIMARY KEY,
  external_id     text NOT NULL,
  display_name    text NOT NULL,
  environment_id  text NOT NULL,
  status          text NOT NULL DEFAULT 'invited',
  require_mfa     boolean NOT NULL DEFAULT false,
  enc_public_jwk  jsonb,
  enc_kid         text,
  sig_public_jwk  jsonb,
  sig_kid         text,
  created_at      timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at      timestamptz(3) NOT NULL,
  CONSTRAINT tenant_environment_id_fkey FOREIGN KEY (environment_id) REFERENCES environment (id) ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE UNIQUE INDEX tenant_external_id_key ON tenant (external_id);
CREATE INDEX tenant_environment_id_idx ON tenant (environment_id);

CREATE TABLE tenant_admin (
  id                   text PRIMARY KEY,
  tenant_id            text NOT NULL,
  user_id              text NOT NULL,
  status               text NOT NULL DEFAULT 'pending',
  wrapped_tenant_keys  text,
  confirmed_by_id      text,
  confirmed_at         timestamptz(3),
  created_at           timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT tenant_admin_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT tenant_admin_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_user (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT tenant_admin_confirmed_by_id_fkey FOREIGN KEY (confirmed_by_id) REFERENCES app_user (id) ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE UNIQUE INDEX tenant_admin_tenant_id_user_id_key ON tenant_admin (tenant_id, user_id);
CREATE INDEX tenant_admin_user_id_idx ON tenant_admin (user_id);

CREATE TABLE invitation (
  id             text PRIMARY KEY,
  kind           text NOT NULL,
  tenant_id      text,
  email          text NOT NULL,
  token_hash     text NOT NULL,
  invited_by_id  text,
  expires_at     timestamptz(3) NOT NULL,
  accepted_at    timestamptz(3),
  revoked_at     timestamptz(3),
  send_count     integer NOT NULL DEFAULT 1,
  last_sent_at   timestamptz(3) NOT NULL,
  created_at     timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT invitation_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT invitation_invited_by_id_fkey FOREIGN KEY (invited_by_id) REFERENCES app_user (id) ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE UNIQUE INDEX invitation_token_hash_key ON invitation (token_hash);
CREATE INDEX invitation_tenant_id_idx ON invitation (tenant_id);
CREATE INDEX invitation_email_idx ON invitation (email);

CREATE TABLE recovery_kit (
  id             text PRIMARY KEY,
  tenant_id      text NOT NULL,
  created_by_id  text,
  kit            text NOT NULL,
  created_at     timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  used_at        timestamptz(3),
  CONSTRAINT recovery_kit_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX recovery_kit_tenant_id_idx ON recovery_kit (tenant_id);

CREATE TABLE outbox_mail (
  id          text PRIMARY KEY,
  recipient   text NOT NULL,
  subject     text NOT NULL,
  body        text NOT NULL,
  created_at  timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  sent_at     timestamptz(3),
  error       text
);
CREATE INDEX outbox_mail_created_at_idx ON outbox_mail (created_at);

CREATE TABLE rate_limit (
  key           text PRIMARY KEY,
  count         integer NOT NULL,
  window_start  timestamptz(3) NOT NULL,
  failures      integer NOT NULL DEFAULT 0,
  locked_until  timestamptz(3)
);

CREATE TABLE broker_setting (
  key         text PRIMARY KEY,
  value       jsonb NOT NULL,
  updated_at  timestamptz(3) NOT NULL
);
