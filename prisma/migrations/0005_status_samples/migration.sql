-- A deployment's lag and error count over time, sampled from its status
-- reports (at most one sample a minute per deployment, kept 7 days), for the
-- operators' overview charts.
CREATE TABLE deployment_status_sample (
  deployment_id  text NOT NULL,
  at             timestamptz(3) NOT NULL,
  lag            integer,
  error_count    integer NOT NULL,
  CONSTRAINT deployment_status_sample_pkey PRIMARY KEY (deployment_id, at),
  CONSTRAINT deployment_status_sample_deployment_id_fkey FOREIGN KEY (deployment_id) REFERENCES proxy_deployment (id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX deployment_status_sample_at_idx ON deployment_status_sample (at);
