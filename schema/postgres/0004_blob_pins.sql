-- 0002 (PostgreSQL): gc safe across replicas (registry/blob_guard.h, docs/deploy.md "S3").
-- An upload pins a blob's digest (committed) before it publishes the bytes and unpins it
-- once its version's rows commit; gc claims a digest (a row in blob_removals) only when no
-- artifact references it and no live pin holds it, deletes the object, then drops the
-- claim. Pins and claims of one digest serialize on a transaction-scoped advisory lock
-- (storage/postgres/pg_blob_pins.cc). Times are the database's clock, Unix milliseconds.

CREATE TABLE blob_pins (
  id         BIGSERIAL PRIMARY KEY,
  sha256     TEXT   NOT NULL,
  pinned_at  BIGINT NOT NULL,
  expires_at BIGINT NOT NULL  -- a pin whose replica died stops counting after this
);
CREATE INDEX blob_pins_by_sha256 ON blob_pins(sha256);

CREATE TABLE blob_removals (
  sha256     TEXT   PRIMARY KEY,
  claim      TEXT   NOT NULL,  -- the claiming gc's random id: only it ends the claim
  started_at BIGINT NOT NULL   -- a claim older than the stale bound is taken over
);
