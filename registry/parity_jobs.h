// ParityJobs: the durable queue of parity checks, with leases, kept in the metadata database
// so that several replicas sharing it run each check once and a replica that dies mid-check
// is replaced (schema/migrations/0010_parity_jobs.sql, schema/postgres/0003_parity_jobs.sql).
//
// A job is queued, then claimed by one owner (a replica's random id) for a lease; the owner
// renews the lease while its check runs and finishes the job by storing the version's
// "parity" report, in the same transaction that removes the job. A job whose lease ended
// may be claimed by anyone: the old owner's renewals and its finish are then refused, so
// the newer run's report is the one kept. Times are the caller's clock (milliseconds since
// the epoch): replicas' clocks are expected to agree far more closely than a lease is long.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/status.h"

namespace mv {

struct ParityJob {
  int64_t id = 0;
  std::string model;
  int64_t number = 0;
  std::string owner;
  int64_t lease_until_ms = 0;
  int attempts = 0;  // claims so far, this one included
};

// Every method is thread-safe and atomic across processes sharing the database.
class ParityJobs {
 public:
  virtual ~ParityJobs() = default;

  // Queues a check of the version and marks its "parity" report pending with
  // `pending_json`, in one transaction. False (and nothing changes) when a job for the
  // version is already queued or running. NotFound for an absent version,
  // FailedPrecondition for a draft or a tombstone, Unavailable when `max_queued` jobs are
  // already waiting.
  virtual Result<bool> EnqueueParityJob(const std::string& model, int64_t number,
                                        const std::string& pending_json, int64_t now_ms,
                                        int64_t max_queued) = 0;
  // Takes the oldest job that is queued or whose lease ended before `now_ms`, for `owner`
  // until now_ms + lease_ms. No job when none is claimable. Two claimers never get the same
  // job for overlapping leases.
  virtual Result<std::optional<ParityJob>> ClaimParityJob(const std::string& owner,
                                                          int64_t lease_ms, int64_t now_ms) = 0;
  // Extends the lease of job `id` to now_ms + lease_ms. Aborted when `owner` no longer holds
  // it (another owner claimed it after the lease ended, or it is finished).
  virtual Status RenewParityJob(int64_t id, const std::string& owner, int64_t lease_ms,
                                int64_t now_ms) = 0;
  // Stores the version's "parity" report (as PutVersionReport, with its webhook event) and
  // removes the job, in one transaction, only when `owner` still holds it. Aborted (nothing
  // stored) when it does not; InvalidArgument for a bad status or report (the job stays);
  // FailedPrecondition when the version was deleted meanwhile (the job is removed, no
  // report is kept).
  virtual Status FinishParityJob(const ParityJob& job, const std::string& status,
                                 const std::string& report_json, int64_t now_ms) = 0;
  // Hands every running job, whoever holds it, back to the queue (its attempts still count).
  // For a database that one process alone runs checks on (SQLite), at that process's start:
  // any holder is a previous run of it.
  virtual Status RequeueRunningParityJobs() = 0;
  // A count that grows with every finished job, whichever process finished it: a replica
  // notices reports stored by others through it (long polls).
  virtual Result<int64_t> FinishedParityJobs() = 0;
};

}  // namespace mv
