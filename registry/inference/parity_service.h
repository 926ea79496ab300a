// ParityService: runs the parity checks of sealed versions on a small pool of background
// workers and stores the outcome as the version's "parity" report (pending -> passed,
// failed, error; "skipped" for a version without an ONNX artifact).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "registry/clock.h"
#include "registry/inference/parity_checks.h"
#include "registry/inference_engine.h"
#include "registry/lifecycle_service.h"
#include "registry/metadata_store.h"
#include "util/status.h"
#include "registry/types.h"
#include "registry/version_service.h"

namespace mv::inference {

// Runs a TorchScript file (its bytes) on inputs, out of process; see TorchRunner.
using TorchScriptRunner = std::function<Result<std::vector<Tensor>>(
    const std::string& torchscript_bytes, const std::vector<Tensor>& inputs)>;

struct ParityServiceOptions {
  int workers = 1;
  ParityConfig defaults;
  int64_t max_model_bytes = int64_t{2} << 30;  // ONNX and TorchScript artifacts read whole
  size_t max_queue = 10000;
  int max_waiters = 32;  // long polls (WaitForReport) parked at once
};

class ParityService {
 public:
  // `torch` may be empty (no worker executable): the TorchScript check is then skipped with
  // that reason. Everything passed in must outlive the service.
  ParityService(MetadataStore& meta, VersionService& versions, InferenceEngine& engine,
                TorchScriptRunner torch, Clock& clock, ParityServiceOptions options);
  ~ParityService();
  ParityService(const ParityService&) = delete;
  ParityService& operator=(const ParityService&) = delete;

  // Starts the workers and queues again the versions a previous stop left "pending".
  // Idempotent.
  void Start();
  // Lets running checks finish, drops the queue (those versions stay "pending") and joins
  // the workers. Idempotent.
  void Stop();

  // Marks the version's parity pending and queues it (a version already queued is not
  // queued twice). NotFound for an absent version, FailedPrecondition for a draft or a
  // tombstone, Unavailable when the queue is full. Thread-safe.
  Status Schedule(const std::string& model, int64_t number);
  // Runs the checks in the calling thread and stores the report. Errors only when the
  // report cannot be stored; a check that cannot run is reported as "error".
  Status RunNow(const std::string& model, int64_t number);
  // Blocks until the queue is empty and no check runs (tests, shutdown).
  void WaitIdle();
  // Called after each check with the status it stored and how long it took (metrics). Set
  // before Start(); the hook runs on the checking thread and must be thread-safe.
  void OnFinished(std::function<void(const std::string& status, int64_t duration_us)> hook) {
    on_finished_ = std::move(hook);
  }

  // Long polls on a version's report. A poller takes a slot (false once max_waiters are
  // taken: the poll should answer at once), notes ReportsStored(), reads the report, and if
  // it is still pending calls WaitForReport, which returns once any report is stored after
  // `seen`, at `deadline`, or after ReleaseWaiters(). All thread-safe; no SQLite polling.
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
  void WorkerLoop();
  Status Store(const std::string& model, int64_t number, const std::string& status,
               const std::string& json);
  // Stores the report and remembers its status in `stored`.
  Status Store(std::string* stored, const std::string& model, int64_t number,
               const std::string& status, const std::string& json);
  Status RunChecks(const std::string& model, int64_t number, std::string* stored);
  // Queues again the variants of a version whose parity just passed that were checked
  // while it had not (their variant check said so). Best effort: errors are dropped.
  void RecheckVariantsOf(const std::string& model, int64_t number);

  MetadataStore& meta_;
  VersionService& versions_;
  InferenceEngine& engine_;
  TorchScriptRunner torch_;
  Clock& clock_;
  ParityServiceOptions options_;
  std::function<void(const std::string&, int64_t)> on_finished_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::pair<std::string, int64_t>> queue_;
  std::set<std::pair<std::string, int64_t>> queued_;
  int running_ = 0;
  bool stopping_ = false;
  std::condition_variable stored_cv_;
  uint64_t stored_ = 0;  // reports stored since start
  int waiters_ = 0;
  bool waiters_released_ = false;
  std::vector<std::thread> threads_;
};

// The promotion gate's parity part: a version with an ONNX artifact needs a "parity"
// report with status "passed"; one without needs meta.parity.skip with a reason.
// FailedPrecondition saying why otherwise. The server's production gate (ProductionGate in
// registry/lifecycle_service.h) runs it after the quarantine checks.
Status CheckParityForPromotion(const Version& v, const std::vector<VersionReport>& reports);

}  // namespace mv::inference
