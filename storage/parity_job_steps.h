// The parity job steps both metadata stores take with the same statements (storage/sqlite,
// storage/postgres). `Conn` is the store's connection; the store's own CheckReport,
// LoadVersion, RequireReportable and WriteReport are found through it (argument-dependent
// lookup), so each backend keeps its dialect and only the sequence is written once.
#pragma once

#include <cstdint>
#include <string>

#include "registry/parity_jobs.h"
#include "storage/store_rules.h"
#include "util/status.h"

namespace mv::storage {

inline constexpr const char* kParityReport = "parity";

inline Status ParityJobNotHeld(int64_t id, const std::string& owner) {
  return Aborted("parity job " + std::to_string(id) + " is no longer held by " + owner +
                 " (its lease ended and another owner took it, or it is finished)");
}

// FinishParityJob inside the transaction `txn` the caller began on `c`: deletes the job if
// `job.owner` still holds it, stores the report (with its webhook event and notification),
// counts it, commits. The job of a deleted version ends without a report.
template <typename Conn, typename Txn>
Status FinishParityJobIn(Conn& c, Txn& txn, const ParityJob& job, const std::string& status,
                         const std::string& report_json, int64_t now_ms) {
  int64_t version_id = 0;
  {
    ASSIGN_OR_RETURN(auto s, c.Prepare("DELETE FROM parity_jobs WHERE id = ? AND owner = ? "
                                       "AND state = 'running' RETURNING version_id"));
    s.Bind(1, job.id).Bind(2, job.owner);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return ParityJobNotHeld(job.id, job.owner);
    version_id = s.Int(0);
  }
  ASSIGN_OR_RETURN(auto loaded, LoadVersion(c, job.model, job.number));
  if (loaded.first != version_id) {
    return Internal("parity job " + std::to_string(job.id) + " is not of " + job.model + "/" +
                    std::to_string(job.number));
  }
  if (Status live = RequireReportable(loaded.second, job.model, job.number); !live.ok()) {
    RETURN_IF_ERROR(txn.Commit());
    return live;
  }
  RETURN_IF_ERROR(WriteReport(c, version_id, job.model, job.number, kParityReport, status,
                              report_json, now_ms));
  {
    ASSIGN_OR_RETURN(auto s, c.Prepare("UPDATE parity_jobs_finished SET n = n + 1 WHERE id = 1"));
    RETURN_IF_ERROR(s.Run());
  }
  return txn.Commit();
}

template <typename Conn>
Status RequeueRunningParityJobsOn(Conn& c) {
  ASSIGN_OR_RETURN(auto s, c.Prepare("UPDATE parity_jobs SET state = 'queued', owner = NULL, "
                                     "lease_until = 0 WHERE state = 'running'"));
  return s.Run();
}

template <typename Conn>
Result<int64_t> FinishedParityJobsOn(Conn& c) {
  ASSIGN_OR_RETURN(auto s, c.Prepare("SELECT n FROM parity_jobs_finished WHERE id = 1"));
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.Int(0) : 0;
}

}  // namespace mv::storage
