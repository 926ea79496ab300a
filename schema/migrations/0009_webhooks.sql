-- 0009: webhooks and their durable outbox. A change that makes an event (model.created,
-- version.created, ...) inserts one delivery row per matching webhook in the SAME transaction
-- as the change and its audit event, so a crash can neither lose nor invent an event; a
-- background worker sends the pending rows and records each attempt.
CREATE TABLE webhooks (
  id          INTEGER PRIMARY KEY,
  url         TEXT    NOT NULL,
  secret      TEXT    NOT NULL,
  events      TEXT    NOT NULL,            -- comma-separated event names
  model_glob  TEXT    NOT NULL DEFAULT '*', -- SQLite GLOB against the model name
  active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  description TEXT    NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
  id               INTEGER PRIMARY KEY,
  webhook_id       INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event            TEXT    NOT NULL,        -- version.created, stage.changed, ...
  action           TEXT    NOT NULL,        -- the audit action that made it
  model            TEXT    NOT NULL DEFAULT '',
  version          INTEGER,
  from_value       TEXT    NOT NULL DEFAULT '',
  to_value         TEXT    NOT NULL DEFAULT '',
  comment          TEXT    NOT NULL DEFAULT '',
  actor            TEXT    NOT NULL DEFAULT '',
  request_id       TEXT    NOT NULL DEFAULT '',
  -- The version as the event left it (stage, aliases, artifacts with digests and safety
  -- verdicts, parity status), taken in the event's transaction: a JSON object, {} for none.
  snapshot         TEXT    NOT NULL DEFAULT '{}',
  at               INTEGER NOT NULL,        -- when the event happened, Unix ms
  status           TEXT    NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  last_http_status INTEGER,
  last_error       TEXT    NOT NULL DEFAULT '',
  last_duration_ms INTEGER,
  finished_at      INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries(webhook_id, id);
