-- 0001 (PostgreSQL): the schema of schema/migrations/0001..0009 as one migration, with the
-- same tables, columns, indexes and guards. Times are Unix milliseconds, UTC (BIGINT). Names
-- that are sorted or paged by are COLLATE "C": byte order, as SQLite's BINARY, whatever the
-- database's locale.
-- Applied by storage/postgres/pg_migrate.cc in one transaction under an advisory lock.

CREATE TABLE models (
  id          BIGSERIAL PRIMARY KEY,
  name        TEXT   COLLATE "C" NOT NULL UNIQUE,
  description TEXT   NOT NULL DEFAULT '',
  owner       TEXT   NOT NULL DEFAULT 'anonymous',
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);

CREATE TABLE model_tags (
  model_id BIGINT NOT NULL REFERENCES models(id),
  key      TEXT   COLLATE "C" NOT NULL,
  value    TEXT   NOT NULL,
  PRIMARY KEY (model_id, key)
);

CREATE TABLE versions (
  id               BIGSERIAL PRIMARY KEY,
  model_id         BIGINT NOT NULL REFERENCES models(id),
  number           BIGINT NOT NULL CHECK (number >= 1),
  state            TEXT   NOT NULL CHECK (state IN ('draft', 'sealed')),
  description      TEXT   NOT NULL DEFAULT '',
  meta             TEXT   NOT NULL DEFAULT '{}',
  created_at       BIGINT NOT NULL,
  sealed_at        BIGINT,
  stage            TEXT   NOT NULL DEFAULT 'none'
                   CHECK (stage IN ('none', 'staging', 'production', 'archived')),
  stage_changed_at BIGINT,
  deleted_at       BIGINT,
  UNIQUE (model_id, number)
);
-- At most one production version per model, enforced here, not only in code.
CREATE UNIQUE INDEX versions_one_production ON versions(model_id) WHERE stage = 'production';
CREATE INDEX versions_by_stage ON versions(stage, model_id);
CREATE INDEX versions_by_created ON versions(created_at);
CREATE INDEX versions_by_model_created ON versions(model_id, created_at, id);

CREATE TABLE blobs (
  sha256     TEXT   PRIMARY KEY,
  size       BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE artifacts (
  version_id  BIGINT NOT NULL REFERENCES versions(id),
  name        TEXT   COLLATE "C" NOT NULL,
  sha256      TEXT   NOT NULL REFERENCES blobs(sha256),
  size        BIGINT NOT NULL,
  kind        TEXT   NOT NULL,
  created_at  BIGINT NOT NULL,
  safety      TEXT   NOT NULL DEFAULT 'unknown' CHECK (safety IN ('safe', 'unsafe', 'unknown')),
  quarantined BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (version_id, name)
);
CREATE INDEX artifacts_by_sha256 ON artifacts(sha256);

-- Immutability, enforced by the database as well as by the code (as SQLite's triggers).
CREATE FUNCTION mv_artifacts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  vid BIGINT := CASE WHEN TG_OP = 'INSERT' THEN NEW.version_id ELSE OLD.version_id END;
  st TEXT;
  del BIGINT;
BEGIN
  SELECT state, deleted_at INTO st, del FROM versions WHERE id = vid;
  IF st = 'sealed' AND (TG_OP <> 'DELETE' OR del IS NULL) THEN
    RAISE EXCEPTION 'version is sealed';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER artifacts_sealed BEFORE INSERT OR UPDATE OR DELETE ON artifacts
  FOR EACH ROW EXECUTE FUNCTION mv_artifacts_guard();

CREATE FUNCTION mv_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.state = 'sealed' THEN RAISE EXCEPTION 'version is sealed'; END IF;
    RETURN OLD;
  END IF;
  IF OLD.state = 'sealed' AND (NEW.state <> 'sealed' OR NEW.number <> OLD.number
      OR NEW.model_id <> OLD.model_id OR NEW.created_at <> OLD.created_at
      OR (NOT (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
          AND (NEW.meta IS DISTINCT FROM OLD.meta
               OR NEW.description IS DISTINCT FROM OLD.description))) THEN
    RAISE EXCEPTION 'version is sealed';
  END IF;
  IF OLD.deleted_at IS NOT NULL AND (NEW.deleted_at IS NULL OR NEW.stage <> OLD.stage) THEN
    RAISE EXCEPTION 'version is deleted';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER versions_sealed BEFORE UPDATE OR DELETE ON versions
  FOR EACH ROW EXECUTE FUNCTION mv_versions_guard();

CREATE TABLE aliases (
  model_id   BIGINT NOT NULL REFERENCES models(id),
  alias      TEXT   COLLATE "C" NOT NULL,
  version_id BIGINT NOT NULL REFERENCES versions(id),
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (model_id, alias)
);
CREATE INDEX aliases_by_version ON aliases(version_id);

-- Append-only, and a hash chain (registry/audit_chain.h): each row keeps the previous row's
-- hash. Appends serialize on the one row of audit_head (locked FOR UPDATE in the appending
-- transaction), so replicas cannot fork the chain and ids follow the chain's order.
CREATE TABLE audit_events (
  id         BIGSERIAL PRIMARY KEY,
  at         BIGINT NOT NULL,
  actor      TEXT   NOT NULL,
  action     TEXT   NOT NULL,
  model      TEXT,
  version    BIGINT,
  from_value TEXT,
  to_value   TEXT,
  comment    TEXT   NOT NULL DEFAULT '',
  request_id TEXT   NOT NULL DEFAULT '',
  prev_hash  TEXT,
  hash       TEXT
);
CREATE INDEX audit_by_model ON audit_events(model, id);
CREATE INDEX audit_by_at ON audit_events(at, id);
CREATE FUNCTION mv_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION mv_audit_append_only();

CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  hash TEXT    NOT NULL
);
INSERT INTO audit_head(id, hash)
  VALUES (1, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE version_parents (
  child_id  BIGINT NOT NULL REFERENCES versions(id),
  parent_id BIGINT NOT NULL REFERENCES versions(id),
  relation  TEXT   NOT NULL,
  PRIMARY KEY (child_id, parent_id)
);
CREATE INDEX version_parents_by_parent ON version_parents(parent_id, child_id);

CREATE TABLE lineage_refs (
  version_id BIGINT NOT NULL REFERENCES versions(id),
  kind       TEXT   COLLATE "C" NOT NULL CHECK (kind IN ('run', 'dataset', 'commit')),
  ref        TEXT   COLLATE "C" NOT NULL,
  detail     TEXT   NOT NULL DEFAULT '',
  PRIMARY KEY (version_id, kind, ref)
);
CREATE INDEX lineage_refs_by_ref ON lineage_refs(kind, ref, version_id);

CREATE TABLE version_attrs (
  version_id BIGINT NOT NULL REFERENCES versions(id),
  kind       TEXT   NOT NULL CHECK (kind IN ('tag', 'param', 'metric')),
  key        TEXT   COLLATE "C" NOT NULL,
  text_value TEXT,
  num_value  DOUBLE PRECISION,
  PRIMARY KEY (version_id, kind, key)
);
CREATE INDEX version_attrs_by_key ON version_attrs(kind, key, num_value);

CREATE TABLE inspections (
  sha256        TEXT   NOT NULL REFERENCES blobs(sha256),
  name          TEXT   NOT NULL,
  kind          TEXT   NOT NULL,
  safety        TEXT   NOT NULL,
  verdict       TEXT   NOT NULL,
  summary       TEXT   NOT NULL,
  findings      TEXT   NOT NULL,
  error_count   BIGINT NOT NULL,
  warning_count BIGINT NOT NULL,
  inspected_at  BIGINT NOT NULL,
  PRIMARY KEY (sha256, name)
);

CREATE TABLE version_reports (
  version_id  BIGINT NOT NULL REFERENCES versions(id),
  kind        TEXT   COLLATE "C" NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
  status      TEXT   NOT NULL CHECK (length(status) BETWEEN 1 AND 64),
  report_json TEXT   NOT NULL CHECK (jsonb_typeof(report_json::jsonb) = 'object'),
  updated_at  BIGINT NOT NULL,
  PRIMARY KEY (version_id, kind)
);

CREATE TABLE tokens (
  id         BIGSERIAL PRIMARY KEY,
  name       TEXT   COLLATE "C" NOT NULL UNIQUE,
  sha256     TEXT   NOT NULL UNIQUE,
  scopes     TEXT   NOT NULL,
  models     TEXT   NOT NULL DEFAULT '*',
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked_at BIGINT,
  created_by TEXT   NOT NULL
);

CREATE TABLE webhooks (
  id          BIGSERIAL PRIMARY KEY,
  url         TEXT   NOT NULL,
  secret      TEXT   NOT NULL,
  events      TEXT   NOT NULL,
  model_glob  TEXT   NOT NULL DEFAULT '*',
  active      BIGINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  description TEXT   NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
  id               BIGSERIAL PRIMARY KEY,
  webhook_id       BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event            TEXT   NOT NULL,
  action           TEXT   NOT NULL,
  model            TEXT   NOT NULL DEFAULT '',
  version          BIGINT,
  from_value       TEXT   NOT NULL DEFAULT '',
  to_value         TEXT   NOT NULL DEFAULT '',
  comment          TEXT   NOT NULL DEFAULT '',
  actor            TEXT   NOT NULL DEFAULT '',
  request_id       TEXT   NOT NULL DEFAULT '',
  snapshot         TEXT   NOT NULL DEFAULT '{}',
  at               BIGINT NOT NULL,
  status           TEXT   NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         BIGINT NOT NULL DEFAULT 0,
  next_attempt_at  BIGINT NOT NULL,
  last_http_status BIGINT,
  last_error       TEXT   NOT NULL DEFAULT '',
  last_duration_ms BIGINT,
  finished_at      BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries(webhook_id, id);

-- SQLite's GLOB ('*' any run, '?' one character, case-sensitive) for webhook model globs.
CREATE FUNCTION mv_glob(name TEXT, pattern TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
  SELECT name LIKE replace(replace(replace(replace(replace(pattern, '\', '\\'), '%', '\%'),
                                           '_', '\_'), '*', '%'), '?', '_')
$$;
