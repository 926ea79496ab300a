// The parity jobs' queue with leases (registry/parity_jobs.h, schema/migrations/
// 0010_parity_jobs.sql). Enqueue, claim and finish are BEGIN IMMEDIATE transactions (renew is
// one statement): claims from several connections, or processes, on the file take SQLite's
// single writer lock one at a time.
#include <sqlite3.h>

#include "storage/parity_job_steps.h"
#include "storage/sqlite/sqlite_metadata_store.h"
#include "storage/sqlite/sqlite_rows.h"

namespace mv::storage {

Result<bool> SqliteMetadataStore::EnqueueParityJob(const std::string& model, int64_t number,
                                                   const std::string& pending_json, int64_t now_ms,
                                                   int64_t max_queued) {
  auto c = pool_->Acquire();
  RETURN_IF_ERROR(CheckReport(*c, kParityReport, "pending", pending_json));
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  RETURN_IF_ERROR(RequireReportable(loaded.second, model, number));
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT EXISTS(SELECT 1 FROM parity_jobs WHERE "
                                        "version_id = ?), (SELECT COUNT(*) FROM parity_jobs "
                                        "WHERE state = 'queued')"));
    s.Bind(1, loaded.first);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Internal("no answer counting parity jobs");
    if (s.Int(0) != 0) return false;  // queued or running already; the rollback changes nothing
    if (s.Int(1) >= max_queued) {
      return Unavailable("too many parity checks are waiting; try again later");
    }
  }
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("INSERT INTO parity_jobs(version_id, queued_at) "
                                        "VALUES (?, ?)"));
    RETURN_IF_ERROR(s.Bind(1, loaded.first).Bind(2, now_ms).Run());
  }
  RETURN_IF_ERROR(
      WriteReport(*c, loaded.first, model, number, kParityReport, "pending", pending_json, now_ms));
  RETURN_IF_ERROR(txn.Commit());
  return true;
}

Result<std::optional<ParityJob>> SqliteMetadataStore::ClaimParityJob(const std::string& owner,
                                                                     int64_t lease_ms,
                                                                     int64_t now_ms) {
  auto c = pool_->Acquire();
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ParityJob job;
  int64_t version_id = 0;
  {
    // A queued job's lease_until is 0: "claimable" is one range on the index.
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE parity_jobs SET state = 'running', owner = ?1, "
                                        "lease_until = ?2 + ?3, attempts = attempts + 1 "
                                        "WHERE id = (SELECT id FROM parity_jobs WHERE "
                                        "lease_until < ?2 ORDER BY id LIMIT 1) "
                                        "RETURNING id, version_id, attempts, lease_until"));
    s.Bind(1, owner).Bind(2, now_ms).Bind(3, lease_ms);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return std::optional<ParityJob>();
    job.id = s.Int(0);
    version_id = s.Int(1);
    job.attempts = static_cast<int>(s.Int(2));
    job.lease_until_ms = s.Int(3);
  }
  {
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("SELECT m.name, v.number FROM versions v "
                                        "JOIN models m ON m.id = v.model_id WHERE v.id = ?"));
    s.Bind(1, version_id);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Internal("parity job " + std::to_string(job.id) + " has no version");
    job.model = s.Text(0);
    job.number = s.Int(1);
  }
  job.owner = owner;
  RETURN_IF_ERROR(txn.Commit());
  return std::optional<ParityJob>(std::move(job));
}

Status SqliteMetadataStore::RenewParityJob(int64_t id, const std::string& owner, int64_t lease_ms,
                                           int64_t now_ms) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE parity_jobs SET lease_until = ? + ? "
                                      "WHERE id = ? AND owner = ? AND state = 'running'"));
  RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, lease_ms).Bind(3, id).Bind(4, owner).Run());
  if (sqlite3_changes(c->raw()) == 0) return ParityJobNotHeld(id, owner);
  return Status::Ok();
}

Status SqliteMetadataStore::FinishParityJob(const ParityJob& job, const std::string& status,
                                            const std::string& report_json, int64_t now_ms) {
  auto c = pool_->Acquire();
  RETURN_IF_ERROR(CheckReport(*c, kParityReport, status, report_json));
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  return FinishParityJobIn(*c, txn, job, status, report_json, now_ms);
}

Status SqliteMetadataStore::RequeueRunningParityJobs() {
  auto c = pool_->Acquire();
  return RequeueRunningParityJobsOn(*c);
}

Result<int64_t> SqliteMetadataStore::FinishedParityJobs() {
  auto c = pool_->Acquire();
  return FinishedParityJobsOn(*c);
}

}  // namespace mv::storage
