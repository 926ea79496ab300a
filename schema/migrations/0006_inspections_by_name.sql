-- 0006: an inspection is a function of the bytes and the artifact's name, not of the bytes
-- alone (the name adds expectations: a PNG named weights.pt is an error, the same PNG named
-- logo.png is not), so inspections are kept per (sha256, name). Rows of 0003 are carried
-- over to every name their blob is stored under.
CREATE TABLE inspections_by_name (
  sha256        TEXT    NOT NULL REFERENCES blobs(sha256),
  name          TEXT    NOT NULL,  -- the artifact name the bytes were inspected under
  kind          TEXT    NOT NULL,
  safety        TEXT    NOT NULL,
  verdict       TEXT    NOT NULL,
  summary       TEXT    NOT NULL,  -- JSON object
  findings      TEXT    NOT NULL,  -- JSON array of {level, code, message}
  error_count   INTEGER NOT NULL,
  warning_count INTEGER NOT NULL,
  inspected_at  INTEGER NOT NULL,
  PRIMARY KEY (sha256, name)
) WITHOUT ROWID;

INSERT OR IGNORE INTO inspections_by_name(sha256, name, kind, safety, verdict, summary,
                                          findings, error_count, warning_count, inspected_at)
  SELECT i.sha256, a.name, i.kind, i.safety, i.verdict, i.summary, i.findings, i.error_count,
         i.warning_count, i.inspected_at
  FROM inspections i JOIN artifacts a ON a.sha256 = i.sha256;

DROP TABLE inspections;
ALTER TABLE inspections_by_name RENAME TO inspections;
