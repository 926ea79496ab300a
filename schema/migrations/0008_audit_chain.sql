-- 0008: the audit log becomes a hash chain. Each row keeps the previous row's hash and
-- SHA-256(prev_hash || canonical content) (registry/audit_chain.h), computed inside the
-- transaction that appends the row. Rows written before this migration get their hashes
-- right after it, in id order, by the store (SQL has no SHA-256); until then they are NULL.
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
-- Still append-only, except for filling in the hashes of rows that have none yet.
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events
WHEN OLD.hash IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor
  OR NEW.action IS NOT OLD.action OR NEW.model IS NOT OLD.model
  OR NEW.version IS NOT OLD.version OR NEW.from_value IS NOT OLD.from_value
  OR NEW.to_value IS NOT OLD.to_value OR NEW.comment IS NOT OLD.comment
  OR NEW.request_id IS NOT OLD.request_id
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
