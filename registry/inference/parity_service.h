// ParityService: runs the parity checks of sealed versions on a small pool of background
// workers and stores the outcome as the version's "parity" report (pending -> passed,
// failed, error; "skipped" for a version without an ONNX artifact). The queue is the job
// table of the metadata database (registry/parity_jobs.h): each replica sharing the
// database claims jobs under a lease it renews while the check runs, so a check runs on one
// replica at a time, and one whose replica died is taken over once its lease ends.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "registry/clock.h"
#include "registry/inference/parity_checks.h"
#include "registry/inference_engine.h"
#include "registry/lifecycle_service.h"
#include "registry/metadata_store.h"
#include "registry/parity_jobs.h"
#include "registry/types.h"
#include "registry/version_service.h"
#include "util/status.h"

namespace mv::inference {

// Runs a TorchScript file (its bytes) on inputs, out of process; see TorchRunner.
using TorchScriptRunner = std::function<Result<std::vector<Tensor>>(
    const std::string& torchscript_bytes, const std::vector<Tensor>& inputs)>;

struct ParityServiceOptions {
  int workers = 1;
  ParityConfig defaults;
  int64_t max_model_bytes = int64_t{2} << 30;  // ONNX and TorchScript artifacts read whole
  size_t max_queue = 10000;  // jobs waiting in the database, every replica's together
  int max_waiters = 32;      // long polls (WaitForReport) parked at once
  // This process's name in the job table (host, pid and a random part, say); empty: a
  // random one is made.
  std::string owner;
  // A claimed check's lease; the running check renews it every lease_ms / 3.
  int64_t lease_ms = 30000;
  // How often idle workers look for jobs queued by other replicas or whose lease ended, and
  // parked long polls for reports other replicas stored.
  int64_t poll_ms = 1000;
  // A job claimed more often than this (each holder died or lost its lease before finishing)
  // is finished as "error" instead of being run again.
  int max_attempts = 3;
  // The only process that runs checks on this database (SQLite): Start() hands the jobs a
  // previous run left running back to the queue at once instead of after their lease.
  bool sole_process = false;
};

class ParityService {
 public:
  // `torch` may be empty (no worker executable): the TorchScript check is then skipped with
  // that reason. Everything passed in must outlive the service.
  ParityService(MetadataStore& meta, ParityJobs& jobs, VersionService& versions,
                InferenceEngine& engine, TorchScriptRunner torch, Clock& clock,
                ParityServiceOptions options);
  ~ParityService();
  ParityService(const ParityService&) = delete;
  ParityService& operator=(const ParityService&) = delete;

  // Starts the workers, which claim the jobs in the database (queued, or whose lease ended)
  // and the lease keeper. Idempotent; may follow Stop().
  void Start();
  // Lets running checks finish (their leases renewed until they do), leaves the queued jobs
  // in the database for other replicas or the next start, and joins the threads. Idempotent.
  void Stop();

  // Marks the version's parity pending and queues a job for it; a version whose job is
  // already queued or running is left as it is (that run's report is the answer). NotFound
  // for an absent version, FailedPrecondition for a draft or a tombstone, Unavailable when
  // max_queue jobs wait. Thread-safe.
  Status Schedule(const std::string& model, int64_t number);
  // Blocks until no job was claimable at this process's last look and no check runs here
  // (tests, shutdown).
  void WaitIdle();
  // This process's name in the job table.
  const std::string& owner() const { return options_.owner; }
  // Called after each check whose report was stored, with its status and how long it took
  // (metrics). Set before Start(); the hook runs on the checking thread and must be
  // thread-safe.
  void OnFinished(std::function<void(const std::string& status, int64_t duration_us)> hook) {
    on_finished_ = std::move(hook);
  }

  // Long polls on a version's report. A poller takes a slot (false once max_waiters are
  // taken: the poll should answer at once), notes ReportsStored(), reads the report, and if
  // it is still pending calls WaitForReport, which returns once a report is stored after
  // `seen`, at `deadline`, or after ReleaseWaiters(). A report this process stores wakes the
  // waiters at once; one another replica stores, within poll_ms (while any poll waits, the
  // lease keeper reads the database's count of finished jobs). All thread-safe.
  bool TryEnterWait();
  void LeaveWait();
  uint64_t ReportsStored();
  void WaitForReport(uint64_t seen, std::chrono::steady_clock::time_point deadline);
  // Wakes every waiter to read its report again: another process sharing the store (a
  // replica) stored a report (a ChangeFeed listener). Thread-safe.
  void ReportStoredElsewhere();
  // Wakes every waiter and makes later waits return at once (server shutdown).
  void ReleaseWaiters();

 private:
  // What a check concluded, to be stored as the report.
  struct Outcome {
    std::string status;
    std::string json;
    // The variant's parent, when it had not passed while this check read it: it is looked
    // at again after the store (see AfterStored).
    std::optional<std::pair<std::string, int64_t>> parent_not_passed;
  };
  struct Held {
    ParityJob job;
    std::chrono::steady_clock::time_point renewed;
    bool lost = false;  // a renewal found another owner: renew no more
  };

  void WorkerLoop();
  // Renews the leases of the jobs this process runs and notices reports stored elsewhere.
  void KeeperLoop();
  void RenewDue();
  void RunJob(const ParityJob& job);
  // Runs the checks; errors only when the version cannot be read (the job is then retried
  // after its lease). A check that cannot run is an "error" outcome.
  Result<Outcome> RunChecks(const std::string& model, int64_t number);
  // Queues again what a stored report unblocks: the variants checked while this version had
  // not passed, or this variant when its parent passed meanwhile. Best effort.
  void AfterStored(const std::string& model, int64_t number, const Outcome& outcome);
  void RecheckVariantsOf(const std::string& model, int64_t number);
  void NoteStored();

  MetadataStore& meta_;
  ParityJobs& jobs_;
  VersionService& versions_;
  InferenceEngine& engine_;
  TorchScriptRunner torch_;
  Clock& clock_;
  ParityServiceOptions options_;
  std::function<void(const std::string&, int64_t)> on_finished_;

  std::mutex mu_;
  std::condition_variable wake_;  // workers: a job was queued here, or stop
  std::condition_variable idle_;
  std::condition_variable keeper_;  // the lease keeper: stop
  uint64_t pokes_ = 0;              // jobs queued by this process
  bool drained_ = true;             // the last claim found no job
  bool claim_failing_ = false;      // logged once until a claim works again
  int running_ = 0;
  std::map<int64_t, Held> held_;  // the jobs this process runs, by id
  bool stopping_ = false;
  bool keeper_stopping_ = false;
  std::condition_variable stored_cv_;
  uint64_t stored_ = 0;         // reports stored since start, here or (noticed) elsewhere
  int64_t finished_seen_ = -1;  // the database's finished-job count last read (keeper only)
  int waiters_ = 0;
  bool waiters_released_ = false;
  std::vector<std::thread> threads_;
  std::thread keeper_thread_;
};

// The promotion gate's parity part: a version with an ONNX artifact needs a "parity"
// report with status "passed"; one without needs meta.parity.skip with a reason.
// FailedPrecondition saying why otherwise. The server's production gate (ProductionGate in
// registry/lifecycle_service.h) runs it after the quarantine checks.
Status CheckParityForPromotion(const Version& v, const std::vector<VersionReport>& reports);

}  // namespace mv::inference
