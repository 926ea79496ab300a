-- 0002: stages, aliases, the audit log, lineage, searchable version attributes, tombstones.

-- Stages. At most one production version per model, enforced here, not only in code.
ALTER TABLE versions ADD COLUMN stage TEXT NOT NULL DEFAULT 'none'
  CHECK (stage IN ('none', 'staging', 'production', 'archived'));
ALTER TABLE versions ADD COLUMN stage_changed_at INTEGER;
-- A deleted version keeps its number and its audit; its metadata and artifacts go.
ALTER TABLE versions ADD COLUMN deleted_at INTEGER;
CREATE UNIQUE INDEX versions_one_production ON versions(model_id) WHERE stage = 'production';
CREATE INDEX versions_by_stage ON versions(stage, model_id);
CREATE INDEX versions_by_created ON versions(created_at);

-- Sealed stays sealed; only a deletion may clear a sealed version's content, once.
DROP TRIGGER versions_sealed_immutable;
CREATE TRIGGER versions_sealed_immutable BEFORE UPDATE ON versions
WHEN OLD.state = 'sealed' AND (NEW.state <> 'sealed' OR NEW.number <> OLD.number
  OR NEW.model_id <> OLD.model_id OR NEW.created_at <> OLD.created_at
  OR (NOT (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
      AND (NEW.meta IS NOT OLD.meta OR NEW.description IS NOT OLD.description)))
BEGIN SELECT RAISE(ABORT, 'version is sealed'); END;

CREATE TRIGGER versions_deleted_final BEFORE UPDATE ON versions
WHEN OLD.deleted_at IS NOT NULL AND (NEW.deleted_at IS NULL OR NEW.stage <> OLD.stage)
BEGIN SELECT RAISE(ABORT, 'version is deleted'); END;

DROP TRIGGER artifacts_delete_sealed;
CREATE TRIGGER artifacts_delete_sealed BEFORE DELETE ON artifacts
WHEN (SELECT state = 'sealed' AND deleted_at IS NULL FROM versions WHERE id = OLD.version_id)
BEGIN SELECT RAISE(ABORT, 'version is sealed'); END;

CREATE TABLE aliases (
  model_id   INTEGER NOT NULL REFERENCES models(id),
  alias      TEXT    NOT NULL,
  version_id INTEGER NOT NULL REFERENCES versions(id),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (model_id, alias)
) WITHOUT ROWID;
CREATE INDEX aliases_by_version ON aliases(version_id);

-- Append-only: every mutating call writes its events in the same transaction as the change.
CREATE TABLE audit_events (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,          -- Unix ms, UTC
  actor      TEXT    NOT NULL,
  action     TEXT    NOT NULL,          -- model.create, version.create, stage, alias.set, ...
  model      TEXT,
  version    INTEGER,
  from_value TEXT,
  to_value   TEXT,
  comment    TEXT    NOT NULL DEFAULT '',
  request_id TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_model ON audit_events(model, id);
CREATE INDEX audit_by_at ON audit_events(at, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Lineage: parent versions, and the run, datasets and commit a version came from.
CREATE TABLE version_parents (
  child_id  INTEGER NOT NULL REFERENCES versions(id),
  parent_id INTEGER NOT NULL REFERENCES versions(id),
  relation  TEXT    NOT NULL,
  PRIMARY KEY (child_id, parent_id)
) WITHOUT ROWID;
CREATE INDEX version_parents_by_parent ON version_parents(parent_id, child_id);

CREATE TABLE lineage_refs (
  version_id INTEGER NOT NULL REFERENCES versions(id),
  kind       TEXT    NOT NULL CHECK (kind IN ('run', 'dataset', 'commit')),
  ref        TEXT    NOT NULL,          -- run id, dataset digest, commit sha
  detail     TEXT    NOT NULL DEFAULT '',  -- run url, dataset name, commit repo
  PRIMARY KEY (version_id, kind, ref)
) WITHOUT ROWID;
CREATE INDEX lineage_refs_by_ref ON lineage_refs(kind, ref, version_id);

-- Searchable attributes of a version (from meta.tags, meta.params, meta.metrics).
CREATE TABLE version_attrs (
  version_id INTEGER NOT NULL REFERENCES versions(id),
  kind       TEXT    NOT NULL CHECK (kind IN ('tag', 'param', 'metric')),
  key        TEXT    NOT NULL,
  text_value TEXT,
  num_value  REAL,
  PRIMARY KEY (version_id, kind, key)
) WITHOUT ROWID;
CREATE INDEX version_attrs_by_key ON version_attrs(kind, key, num_value);
