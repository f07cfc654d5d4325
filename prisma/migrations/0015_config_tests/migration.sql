-- Configuration tests (issue 23, docs/proxy-api.md "Configuration tests"): a
-- tenant admin asks every approved proxy deployment to try a configuration —
-- a saved one by id and version, or a draft sealed to the deployments only.
-- One config_test row per test and one config_test_target row per deployment
-- asked. A draft's JWE, narrowed to the deployment, waits in `payload` and is
-- set to NULL by the statement that hands the test over. Telemetry: tests
-- older than a day are deleted when a new one starts, and nothing here is
-- ever delivered as a configuration.
CREATE TABLE config_test (
  id             text NOT NULL,
  tenant_id      text NOT NULL,
  kind           text NOT NULL,
  config_id      text,
  version        integer,
  draft          boolean NOT NULL,
  provider       text NOT NULL,
  created_by_id  text,
  created_at     timestamptz(3) NOT NULL,
  pickup_by      timestamptz(3) NOT NULL,
  CONSTRAINT config_test_pkey PRIMARY KEY (id),
  CONSTRAINT config_test_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT config_test_config_id_fkey FOREIGN KEY (config_id) REFERENCES tenant_config (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX config_test_tenant_id_created_at_idx ON config_test (tenant_id, created_at);
CREATE INDEX config_test_created_at_idx ON config_test (created_at);
CREATE INDEX config_test_config_id_idx ON config_test (config_id);

CREATE TABLE config_test_target (
  test_id        text NOT NULL,
  deployment_id  text NOT NULL,
  payload        jsonb,
  picked_at      timestamptz(3),
  result         jsonb,
  result_at      timestamptz(3),
  CONSTRAINT config_test_target_pkey PRIMARY KEY (test_id, deployment_id),
  CONSTRAINT config_test_target_test_id_fkey FOREIGN KEY (test_id) REFERENCES config_test (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT config_test_target_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES proxy_deployment (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX config_test_target_deployment_id_picked_at_idx ON config_test_target (deployment_id, picked_at);
