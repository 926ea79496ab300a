-- 0002 (PostgreSQL): the parity checks' job queue, as schema/migrations/0010_parity_jobs.sql.
-- Replicas claim jobs with UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED): a claim
-- never waits for another replica's claim and never takes the same row.
CREATE TABLE parity_jobs (
  id          BIGSERIAL PRIMARY KEY,
  version_id  BIGINT NOT NULL UNIQUE REFERENCES versions(id) ON DELETE CASCADE,
  state       TEXT   NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running')),
  owner       TEXT,
  lease_until BIGINT NOT NULL DEFAULT 0,
  attempts    INTEGER NOT NULL DEFAULT 0,
  queued_at   BIGINT NOT NULL
);
-- Claimable: lease_until < now (a queued job has 0).
CREATE INDEX parity_jobs_by_lease ON parity_jobs(lease_until);

CREATE TABLE parity_jobs_finished (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n  BIGINT  NOT NULL
);
INSERT INTO parity_jobs_finished(id, n) VALUES (1, 0);

INSERT INTO parity_jobs(version_id, queued_at)
  SELECT r.version_id, r.updated_at FROM version_reports r
  JOIN versions v ON v.id = r.version_id
  WHERE r.kind = 'parity' AND r.status = 'pending' AND v.state = 'sealed'
    AND v.deleted_at IS NULL
  ORDER BY r.version_id;
