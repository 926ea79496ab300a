-- 0004: reports derived from a version's artifacts taken together: weight parity,
-- environment, references (and ONNX Runtime parity later). Derived, recomputable data:
-- unlike a version's content (artifacts, meta: see the triggers of 0001/0002) a report may
-- be written or replaced after the version is sealed, so no trigger guards this table.
CREATE TABLE version_reports (
  version_id  INTEGER NOT NULL REFERENCES versions(id),
  kind        TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
  status      TEXT    NOT NULL CHECK (length(status) BETWEEN 1 AND 64),
  report_json TEXT    NOT NULL CHECK (json_valid(report_json)),  -- a JSON object
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (version_id, kind)
) WITHOUT ROWID;
