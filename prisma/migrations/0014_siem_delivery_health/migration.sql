-- SIEM delivery health (issue 22, docs/proxy-api.md "Status"): what each
-- instance of a proxy deployment reports about its delivery to each SIEM
-- configuration. Telemetry, not history: one row per (deployment, instance,
-- tenant, configuration), overwritten by each report that names it, removed
-- when a full list leaves it out, and pruned once not reported for 24 hours.
-- Counts are bigint: an instance that runs for months passes 2^31 events.
CREATE TABLE siem_delivery_status (
  deployment_id    text NOT NULL,
  instance_id      text NOT NULL,
  tenant_id        text NOT NULL,
  config_id        text NOT NULL,
  version          integer NOT NULL,
  sent             bigint NOT NULL,
  retried          bigint NOT NULL,
  dropped          bigint NOT NULL,
  backlog          bigint NOT NULL,
  last_success_at  timestamptz(3),
  last_error_code  text,
  failing_since    timestamptz(3),
  on_full          text NOT NULL,
  dropped_at       timestamptz(3),
  reported_at      timestamptz(3) NOT NULL,
  CONSTRAINT siem_delivery_status_pkey PRIMARY KEY (deployment_id, instance_id, tenant_id, config_id),
  CONSTRAINT siem_delivery_status_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES proxy_deployment (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT siem_delivery_status_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT siem_delivery_status_config_id_fkey FOREIGN KEY (config_id) REFERENCES tenant_config (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX siem_delivery_status_tenant_id_config_id_idx ON siem_delivery_status (tenant_id, config_id);
CREATE INDEX siem_delivery_status_config_id_idx ON siem_delivery_status (config_id);
CREATE INDEX siem_delivery_status_deployment_id_reported_at_idx ON siem_delivery_status (deployment_id, reported_at);
