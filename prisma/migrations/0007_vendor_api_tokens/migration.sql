-- Vendor API tokens: bearer tokens operators make for the vendor's own
-- systems (/api/v1/vendor). Only the SHA-256 of a token is stored.

CREATE TABLE vendor_api_token (
  id             text PRIMARY KEY,
  name           text NOT NULL,
  scope          text NOT NULL,
  token_hash     text NOT NULL,
  created_by_id  text NOT NULL,
  created_at     timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at     timestamptz(3) NOT NULL,
  last_used_at   timestamptz(3),
  revoked_at     timestamptz(3),
  CONSTRAINT vendor_api_token_created_by_id_fkey FOREIGN KEY (created_by_id) REFERENCES app_user (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX vendor_api_token_token_hash_key ON vendor_api_token (token_hash);
CREATE INDEX vendor_api_token_created_by_id_idx ON vendor_api_token (created_by_id);
