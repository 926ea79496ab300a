-- 0001: models, versions, blobs and artifacts. Times are Unix milliseconds, UTC.
CREATE TABLE models (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  description TEXT    NOT NULL DEFAULT '',
  owner       TEXT    NOT NULL DEFAULT 'anonymous',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE model_tags (
  model_id INTEGER NOT NULL REFERENCES models(id),
  key      TEXT    NOT NULL,
  value    TEXT    NOT NULL,
  PRIMARY KEY (model_id, key)
) WITHOUT ROWID;

CREATE TABLE versions (
  id          INTEGER PRIMARY KEY,
  model_id    INTEGER NOT NULL REFERENCES models(id),
  number      INTEGER NOT NULL CHECK (number >= 1),
  state       TEXT    NOT NULL CHECK (state IN ('draft', 'sealed')),
  description TEXT    NOT NULL DEFAULT '',
  meta        TEXT    NOT NULL DEFAULT '{}',  -- the client's meta object as JSON
  created_at  INTEGER NOT NULL,
  sealed_at   INTEGER,
  UNIQUE (model_id, number)
);

CREATE TABLE blobs (
  sha256     TEXT    PRIMARY KEY,
  size       INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE artifacts (
  version_id INTEGER NOT NULL REFERENCES versions(id),
  name       TEXT    NOT NULL,
  sha256     TEXT    NOT NULL REFERENCES blobs(sha256),
  size       INTEGER NOT NULL,
  kind       TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (version_id, name)
) WITHOUT ROWID;
CREATE INDEX artifacts_by_sha256 ON artifacts(sha256);

-- Immutability, enforced by the database as well as by the code: a sealed version's
-- artifacts and content never change, and a sealed version never becomes a draft again.
CREATE TRIGGER artifacts_insert_sealed BEFORE INSERT ON artifacts
WHEN (SELECT state FROM versions WHERE id = NEW.version_id) = 'sealed'
BEGIN SELECT RAISE(ABORT, 'version is sealed'); END;

CREATE TRIGGER artifacts_update_sealed BEFORE UPDATE ON artifacts
WHEN (SELECT state FROM versions WHERE id = OLD.version_id) = 'sealed'
BEGIN SELECT RAISE(ABORT, 'version is sealed'); END;

CREATE TRIGGER artifacts_delete_sealed BEFORE DELETE ON artifacts
WHEN (SELECT state FROM versions WHERE id = OLD.version_id) = 'sealed'
BEGIN SELECT RAISE(ABORT, 'version is sealed'); END;

CREATE TRIGGER versions_sealed_immutable BEFORE UPDATE ON versions
WHEN OLD.state = 'sealed' AND (NEW.state <> 'sealed' OR NEW.meta IS NOT OLD.meta
  OR NEW.description IS NOT OLD.description OR NEW.number <> OLD.number
  OR NEW.model_id <> OLD.model_id OR NEW.created_at <> OLD.created_at)
BEGIN SELECT RAISE(ABORT, 'version is sealed'); END;

CREATE TRIGGER versions_no_delete_sealed BEFORE DELETE ON versions
WHEN OLD.state = 'sealed'
BEGIN SELECT RAISE(ABORT, 'version is sealed'); END;
