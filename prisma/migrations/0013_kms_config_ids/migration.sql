-- kmsConfigId (TSP.md "Decisions", docs/configurations.md "KMS configuration
-- ids"): each KMS configuration's id lives in the signed tenant state, but a
-- deleted configuration leaves the state while its id must never be given
-- again. The broker keeps the highest id any accepted state gave and refuses a
-- new id that is not above it. States signed before ids existed gave none.

ALTER TABLE tenant ADD COLUMN kms_config_id_max integer NOT NULL DEFAULT 0;
