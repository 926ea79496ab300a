-- 0003: what the format inspectors found in each stored blob, and each artifact's verdict.
ALTER TABLE artifacts ADD COLUMN safety TEXT NOT NULL DEFAULT 'unknown'
  CHECK (safety IN ('safe', 'unsafe', 'unknown'));
ALTER TABLE artifacts ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;

-- Keyed by content: the same bytes are inspected once, whatever versions share them.
CREATE TABLE inspections (
  sha256        TEXT    PRIMARY KEY REFERENCES blobs(sha256),
  kind          TEXT    NOT NULL,
  safety        TEXT    NOT NULL,
  verdict       TEXT    NOT NULL,
  summary       TEXT    NOT NULL,  -- JSON object
  findings      TEXT    NOT NULL,  -- JSON array of {level, code, message}
  error_count   INTEGER NOT NULL,
  warning_count INTEGER NOT NULL,
  inspected_at  INTEGER NOT NULL
) WITHOUT ROWID;
