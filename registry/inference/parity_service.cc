// ParityService, the queue's side: workers that claim jobs from the database's job table,
// the lease keeper that renews what they run, Schedule, and the long polls' wake-ups. What a
// check does is in parity_service_checks.cc.
#include "registry/inference/parity_service.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "registry/formats/summary.h"
#include "util/encoding.h"
#include "util/random.h"

namespace mv::inference {
namespace {

std::string RandomOwner() {
  auto bytes = util::RandomBytes(8);
  return "parity-" + HexEncode(bytes.ok() ? *bytes : std::to_string(::time(nullptr)));
}

std::string ReportJson(const std::string& status, const std::string& message) {
  formats::Summary s = formats::Summary::MakeObject();
  return s.Set("status", status).Set("message", message).ToJson();
}

}  // namespace

ParityService::ParityService(MetadataStore& meta, ParityJobs& jobs, VersionService& versions,
                             InferenceEngine& engine, TorchScriptRunner torch, Clock& clock,
                             ParityServiceOptions options)
    : meta_(meta),
      jobs_(jobs),
      versions_(versions),
      engine_(engine),
      torch_(std::move(torch)),
      clock_(clock),
      options_(std::move(options)) {
  if (options_.owner.empty()) options_.owner = RandomOwner();
  options_.lease_ms = std::max<int64_t>(options_.lease_ms, 3);
  options_.poll_ms = std::max<int64_t>(options_.poll_ms, 1);
}

ParityService::~ParityService() { Stop(); }

void ParityService::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!threads_.empty()) return;
  if (options_.sole_process) {
    Status s = jobs_.RequeueRunningParityJobs();
    if (!s.ok()) {
      std::fprintf(stderr, "modelvault: parity jobs of a previous run not requeued: %s\n",
                   s.ToString().c_str());
    }
  }
  // Long polls are woken when this count moves, not by the first look at it.
  auto finished = jobs_.FinishedParityJobs();
  finished_seen_ = finished.ok() ? *finished : -1;
  stopping_ = false;
  keeper_stopping_ = false;
  drained_ = false;
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
  }
  keeper_thread_ = std::thread([this] { KeeperLoop(); });
}

void ParityService::Stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  idle_.notify_all();
  for (std::thread& t : threads) t.join();
  // The keeper renews the running checks' leases until the workers are done with them.
  {
    std::lock_guard<std::mutex> lock(mu_);
    keeper_stopping_ = true;
  }
  keeper_.notify_all();
  if (keeper_thread_.joinable()) keeper_thread_.join();
}

Status ParityService::Schedule(const std::string& model, int64_t number) {
  ASSIGN_OR_RETURN(Version v, versions_.Get(model, number));
  if (v.deleted_at_ms)
    return FailedPrecondition("version " + std::to_string(number) + " is deleted");
  if (v.state != VersionState::kSealed) {
    return FailedPrecondition("version " + std::to_string(number) + " is a draft");
  }
  ASSIGN_OR_RETURN(bool queued, jobs_.EnqueueParityJob(
                                    model, number, ReportJson("pending", "queued"), clock_.NowMs(),
                                    static_cast<int64_t>(options_.max_queue)));
  if (!queued) return Status::Ok();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++pokes_;
    drained_ = false;
  }
  wake_.notify_one();
  return Status::Ok();
}

void ParityService::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return (drained_ && running_ == 0) || stopping_; });
}

void ParityService::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const uint64_t pokes = pokes_;
    lock.unlock();
    auto claimed = jobs_.ClaimParityJob(options_.owner, options_.lease_ms, clock_.NowMs());
    lock.lock();
    if (!claimed.ok() && !claim_failing_) {
      std::fprintf(stderr, "modelvault: cannot claim parity jobs (retrying every %lld ms): %s\n",
                   static_cast<long long>(options_.poll_ms), claimed.status().ToString().c_str());
    }
    claim_failing_ = !claimed.ok();
    if (!claimed.ok() || !claimed->has_value()) {
      if (claimed.ok()) {
        drained_ = true;
        idle_.notify_all();
      }
      wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms),
                     [&] { return stopping_ || pokes_ != pokes; });
      continue;
    }
    const ParityJob job = std::move(**claimed);
    held_[job.id] = Held{job, std::chrono::steady_clock::now()};
    ++running_;
    lock.unlock();
    RunJob(job);
    lock.lock();
    held_.erase(job.id);
    --running_;
    idle_.notify_all();
  }
}

void ParityService::RunJob(const ParityJob& job) {
  const auto start = std::chrono::steady_clock::now();
  Result<Outcome> outcome = Outcome{};
  if (job.attempts > options_.max_attempts) {
    outcome =
        Outcome{"error",
                ReportJson("error", "the check was started " + std::to_string(job.attempts - 1) +
                                        " times and never finished (the process running "
                                        "it stopped or lost its lease); POST to this "
                                        "version's parity URL to run it again"),
                {}};
  } else {
    outcome = RunChecks(job.model, job.number);
  }
  if (!outcome.ok()) {
    // Not finished: the lease ends (the keeper stops renewing it) and the job runs again.
    std::fprintf(stderr, "modelvault: parity of %s/%lld not run, retried after its lease: %s\n",
                 job.model.c_str(), static_cast<long long>(job.number),
                 outcome.status().ToString().c_str());
    return;
  }
  Status s = jobs_.FinishParityJob(job, outcome->status, outcome->json, clock_.NowMs());
  NoteStored();
  if (!s.ok()) {
    std::fprintf(stderr, "modelvault: parity of %s/%lld not stored: %s\n", job.model.c_str(),
                 static_cast<long long>(job.number), s.ToString().c_str());
    return;
  }
  if (on_finished_) {
    on_finished_(outcome->status, std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::steady_clock::now() - start)
                                      .count());
  }
  AfterStored(job.model, job.number, *outcome);
}

void ParityService::KeeperLoop() {
  const auto tick = std::chrono::milliseconds(std::min(options_.poll_ms, options_.lease_ms / 3));
  std::unique_lock<std::mutex> lock(mu_);
  while (!keeper_stopping_) {
    keeper_.wait_for(lock, tick, [this] { return keeper_stopping_; });
    if (keeper_stopping_) break;
    const bool polls_wait = waiters_ > 0;
    lock.unlock();
    RenewDue();
    if (polls_wait) {
      auto finished = jobs_.FinishedParityJobs();
      if (finished.ok() && *finished != finished_seen_) {
        finished_seen_ = *finished;
        NoteStored();
      }
    }
    lock.lock();
  }
}

void ParityService::RenewDue() {
  const auto every = std::chrono::milliseconds(options_.lease_ms / 3);
  std::vector<ParityJob> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    for (auto& [id, held] : held_) {
      if (held.lost || now - held.renewed < every) continue;
      held.renewed = now;
      due.push_back(held.job);
    }
  }
  for (const ParityJob& job : due) {
    Status s = jobs_.RenewParityJob(job.id, job.owner, options_.lease_ms, clock_.NowMs());
    if (s.ok()) continue;
    std::fprintf(stderr, "modelvault: parity lease of %s/%lld not renewed: %s\n", job.model.c_str(),
                 static_cast<long long>(job.number), s.ToString().c_str());
    if (s.code() != Code::kAborted) continue;  // retried at the next renewal
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = held_.find(job.id); it != held_.end()) it->second.lost = true;
  }
}

void ParityService::NoteStored() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stored_;
  }
  stored_cv_.notify_all();
}

bool ParityService::TryEnterWait() {
  std::lock_guard<std::mutex> lock(mu_);
  if (waiters_ >= options_.max_waiters || waiters_released_) return false;
  ++waiters_;
  return true;
}

void ParityService::LeaveWait() {
  std::lock_guard<std::mutex> lock(mu_);
  --waiters_;
}

uint64_t ParityService::ReportsStored() {
  std::lock_guard<std::mutex> lock(mu_);
  return stored_;
}

void ParityService::WaitForReport(uint64_t seen, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  stored_cv_.wait_until(lock, deadline, [&] { return stored_ != seen || waiters_released_; });
}

void ParityService::ReportStoredElsewhere() { NoteStored(); }

void ParityService::ReleaseWaiters() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiters_released_ = true;
  }
  stored_cv_.notify_all();
}

}  // namespace mv::inference
