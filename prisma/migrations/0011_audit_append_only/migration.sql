-- The audit trail is append-only in the database as well: rows of audit_event and
-- audit_checkpoint can be inserted and read, never updated, deleted or
-- truncated. The hash chains and signed checkpoints detect tampering after
-- the fact; this refuses it up front for anything that goes through the
-- application's connection — a bug, a stray updateMany, SQL injection. A
-- role that owns the tables can still disable the triggers first; that is
-- what the chains are for, and why docs/database.md shows how to run the
-- broker as a role that does not own them (DATABASE_MIGRATION_URL).

-- (The body is kept off line starts: the runner refuses a line that begins with END;.)
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
  RAISE EXCEPTION 'The audit trail is append-only: % on % is refused.', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'P0001', HINT = 'Audit records are never changed or removed; see docs/audit.md.';
  END $$;

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
