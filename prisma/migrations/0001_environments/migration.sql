-- Environments: the vendor's deployment regions (prod-eu, staging, …).
CREATE TABLE environment (
  id            text PRIMARY KEY,
  slug          text NOT NULL,
  display_name  text NOT NULL,
  created_at    timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at    timestamptz(3) NOT NULL
);

CREATE UNIQUE INDEX environment_slug_key ON environment (slug);
