// The parity jobs' queue with leases (registry/parity_jobs.h, schema/postgres/
// 0003_parity_jobs.sql) on PostgreSQL, shared by every replica. A claim is one statement:
// UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED), so concurrent claimers never
// wait for each other's row nor take the same one.
#include "storage/parity_job_steps.h"
#include "storage/postgres/pg_metadata_store.h"
#include "storage/postgres/pg_rows.h"

namespace mv::storage::pg {

Result<bool> PgMetadataStore::EnqueueParityJob(const std::string& model, int64_t number,
                                               const std::string& pending_json, int64_t now_ms,
                                               int64_t max_queued) {
  auto c = pool_->Acquire();
  RETURN_IF_ERROR(CheckReport(*c, kParityReport, "pending", pending_json));
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(*c, model, number));
  RETURN_IF_ERROR(RequireReportable(loaded.second, model, number));
  {
    // Counted without a lock: replicas enqueueing at once may pass the bound by a few.
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
    // A concurrent enqueue of the same version waits here for the other to commit, then
    // inserts nothing.
    ASSIGN_OR_RETURN(Stmt s, c->Prepare("INSERT INTO parity_jobs(version_id, queued_at) "
                                        "VALUES (?, ?) ON CONFLICT (version_id) DO NOTHING "
                                        "RETURNING id"));
    s.Bind(1, loaded.first).Bind(2, now_ms);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return false;  // queued or running already; the rollback changes nothing
  }
  RETURN_IF_ERROR(
      WriteReport(*c, loaded.first, model, number, kParityReport, "pending", pending_json, now_ms));
  RETURN_IF_ERROR(txn.Commit());
  return true;
}

Result<std::optional<ParityJob>> PgMetadataStore::ClaimParityJob(const std::string& owner,
                                                                 int64_t lease_ms, int64_t now_ms) {
  auto c = pool_->Acquire();
  // A queued job's lease_until is 0: "claimable" is one range on the index.
  ASSIGN_OR_RETURN(Stmt s,
                   c->Prepare("UPDATE parity_jobs j SET state = 'running', owner = ?1::text, "
                              "lease_until = ?2::bigint + ?3::bigint, attempts = j.attempts + 1 "
                              "FROM versions v JOIN models m ON m.id = v.model_id "
                              "WHERE j.id = (SELECT id FROM parity_jobs WHERE lease_until < "
                              "?2::bigint ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
                              "AND v.id = j.version_id "
                              "RETURNING j.id, m.name, v.number, j.attempts, j.lease_until"));
  s.Bind(1, owner).Bind(2, now_ms).Bind(3, lease_ms);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<ParityJob>();
  ParityJob job;
  job.id = s.Int(0);
  job.model = s.Text(1);
  job.number = s.Int(2);
  job.attempts = static_cast<int>(s.Int(3));
  job.lease_until_ms = s.Int(4);
  job.owner = owner;
  return std::optional<ParityJob>(std::move(job));
}

Status PgMetadataStore::RenewParityJob(int64_t id, const std::string& owner, int64_t lease_ms,
                                       int64_t now_ms) {
  auto c = pool_->Acquire();
  ASSIGN_OR_RETURN(Stmt s, c->Prepare("UPDATE parity_jobs SET lease_until = ?::bigint + "
                                      "?::bigint WHERE id = ? AND owner = ? AND "
                                      "state = 'running'"));
  RETURN_IF_ERROR(s.Bind(1, now_ms).Bind(2, lease_ms).Bind(3, id).Bind(4, owner).Run());
  if (s.Changes() == 0) return ParityJobNotHeld(id, owner);
  return Status::Ok();
}

Status PgMetadataStore::FinishParityJob(const ParityJob& job, const std::string& status,
                                        const std::string& report_json, int64_t now_ms) {
  auto c = pool_->Acquire();
  RETURN_IF_ERROR(CheckReport(*c, kParityReport, status, report_json));
  WriteTxn txn(*c);
  RETURN_IF_ERROR(txn.Begin());
  return FinishParityJobIn(*c, txn, job, status, report_json, now_ms);
}

Status PgMetadataStore::RequeueRunningParityJobs() {
  auto c = pool_->Acquire();
  return RequeueRunningParityJobsOn(*c);
}

Result<int64_t> PgMetadataStore::FinishedParityJobs() {
  auto c = pool_->Acquire();
  return FinishedParityJobsOn(*c);
}

}  // namespace mv::storage::pg
