-- Key-use counters (issue 23 "Usage", docs/proxy-api.md "Usage counters",
-- docs/database.md "Usage counters"): what each proxy instance reports per
-- tenant configuration and whole minute. Reported, not proven: every page
-- names the deployment that reported a figure.
--
-- config_usage_minute: one row per (deployment, instance, tenant,
-- configuration, minute), SET by each report that names it (a repeated report
-- replaces, never adds). Kept 3 hours: long enough to recompute an hour when
-- a late report changes one of its minutes (reports more than 2 hours late
-- are refused).
-- config_usage_hour: the rollup per (deployment, tenant, configuration, hour),
-- summed over the instances, recomputed from the minute rows for every hour a
-- report touches. Kept 30 days; the charts read only this table.
CREATE TABLE config_usage_minute (
  deployment_id  text NOT NULL,
  instance_id    text NOT NULL,
  tenant_id      text NOT NULL,
  config_id      text NOT NULL,
  minute         timestamptz(3) NOT NULL,
  wraps          integer NOT NULL,
  unwraps        integer NOT NULL,
  rekeys         integer NOT NULL,
  failed         integer NOT NULL,
  failures       jsonb NOT NULL,
  leased_hits    integer NOT NULL,
  siem_sent      integer NOT NULL,
  siem_dropped   integer NOT NULL,
  reported_at    timestamptz(3) NOT NULL,
  CONSTRAINT config_usage_minute_pkey PRIMARY KEY (deployment_id, instance_id, tenant_id, config_id, minute),
  CONSTRAINT config_usage_minute_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES proxy_deployment (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT config_usage_minute_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT config_usage_minute_config_id_fkey FOREIGN KEY (config_id) REFERENCES tenant_config (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX config_usage_minute_rollup_idx ON config_usage_minute (deployment_id, tenant_id, config_id, minute);
CREATE INDEX config_usage_minute_minute_idx ON config_usage_minute (minute);
CREATE INDEX config_usage_minute_tenant_id_idx ON config_usage_minute (tenant_id);
CREATE INDEX config_usage_minute_config_id_idx ON config_usage_minute (config_id);

CREATE TABLE config_usage_hour (
  deployment_id  text NOT NULL,
  tenant_id      text NOT NULL,
  config_id      text NOT NULL,
  hour           timestamptz(3) NOT NULL,
  wraps          bigint NOT NULL,
  unwraps        bigint NOT NULL,
  rekeys         bigint NOT NULL,
  failed         bigint NOT NULL,
  failures       jsonb NOT NULL,
  leased_hits    bigint NOT NULL,
  siem_sent      bigint NOT NULL,
  siem_dropped   bigint NOT NULL,
  last_used_at   timestamptz(3),
  CONSTRAINT config_usage_hour_pkey PRIMARY KEY (deployment_id, tenant_id, config_id, hour),
  CONSTRAINT config_usage_hour_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES proxy_deployment (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT config_usage_hour_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT config_usage_hour_config_id_fkey FOREIGN KEY (config_id) REFERENCES tenant_config (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX config_usage_hour_config_id_hour_idx ON config_usage_hour (config_id, hour);
CREATE INDEX config_usage_hour_tenant_id_hour_idx ON config_usage_hour (tenant_id, hour);
CREATE INDEX config_usage_hour_hour_idx ON config_usage_hour (hour);
