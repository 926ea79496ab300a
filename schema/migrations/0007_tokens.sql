-- 0007: API tokens. Only the SHA-256 of a token's secret is kept; the secret is shown once.
-- Revoked tokens stay (their name is not reused, the audit log keeps naming them).
CREATE TABLE tokens (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL UNIQUE,
  sha256     TEXT    NOT NULL UNIQUE,   -- lower-case hex SHA-256 of the secret
  scopes     TEXT    NOT NULL,          -- comma-separated: read, write, promote, admin
  models     TEXT    NOT NULL DEFAULT '*',  -- glob over model names
  created_at INTEGER NOT NULL,          -- Unix ms, UTC
  expires_at INTEGER,                   -- Unix ms; NULL never
  revoked_at INTEGER,                   -- Unix ms; NULL while valid
  created_by TEXT    NOT NULL
);
