-- 0010: the parity checks' job queue (registry/parity_jobs.h). One row per version whose check
-- is queued or running; a running job has an owner (a replica's random id) and a lease, and a
-- job whose lease ended may be claimed again, so a process that died mid-check is replaced.
-- Finishing a job stores the version's parity report and deletes the row in one transaction.
CREATE TABLE parity_jobs (
  id          INTEGER PRIMARY KEY,
  version_id  INTEGER NOT NULL UNIQUE REFERENCES versions(id) ON DELETE CASCADE,
  state       TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running')),
  owner       TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0,
  attempts    INTEGER NOT NULL DEFAULT 0,
  queued_at   INTEGER NOT NULL
);
-- Claimable: lease_until < now (a queued job has 0).
CREATE INDEX parity_jobs_by_lease ON parity_jobs(lease_until);

-- How many jobs have finished: other processes' long polls notice new reports through it.
CREATE TABLE parity_jobs_finished (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n  INTEGER NOT NULL
);
INSERT INTO parity_jobs_finished(id, n) VALUES (1, 0);

-- Checks left pending before this migration (queued in a process's memory until now) get a job.
INSERT INTO parity_jobs(version_id, queued_at)
  SELECT r.version_id, r.updated_at FROM version_reports r
  JOIN versions v ON v.id = r.version_id
  WHERE r.kind = 'parity' AND r.status = 'pending' AND v.state = 'sealed'
    AND v.deleted_at IS NULL
  ORDER BY r.version_id;
