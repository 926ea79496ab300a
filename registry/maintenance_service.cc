#include "registry/maintenance_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace mv {
namespace {

using RefsByBlob = std::map<std::string, std::vector<ArtifactBlobRef>>;

Result<RefsByBlob> LoadRefs(MaintenanceStore& meta) {
  ASSIGN_OR_RETURN(std::vector<ArtifactBlobRef> refs, meta.ListArtifactBlobs());
  RefsByBlob out;
  for (ArtifactBlobRef& r : refs) out[r.sha256].push_back(std::move(r));
  return out;
}

Result<std::vector<StoredBlob>> LoadStored(BlobStore& blobs) {
  std::vector<StoredBlob> out;
  RETURN_IF_ERROR(blobs.List([&out](const StoredBlob& b) {
    out.push_back(b);
    return Status::Ok();
  }));
  return out;
}

int JobCount(int requested) {
  if (requested > 0) return std::min(requested, 256);
  return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 64u));
}

// Hashes `work` on `jobs` threads; the calling thread reports progress until all are done.
// Appends a problem for each blob whose bytes are wrong or unreadable.
void HashAll(BlobStore& blobs, const std::vector<StoredBlob>& work, const VerifyOptions& options,
             VerifyReport& report) {
  VerifyProgress progress;
  progress.blobs_total = static_cast<int64_t>(work.size());
  for (const StoredBlob& b : work) progress.bytes_total += b.size;
  std::atomic<size_t> next{0};
  std::atomic<int64_t> bytes_done{0}, blobs_done{0};
  std::mutex mu;
  std::condition_variable done_cv;
  int running = JobCount(options.jobs);
  auto worker = [&] {
    for (size_t i = next++; i < work.size(); i = next++) {
      const StoredBlob& b = work[i];
      auto digest = blobs.Rehash(b.sha256, [&](int64_t n) { bytes_done += n; });
      ++blobs_done;
      if (digest.ok() && *digest == b.sha256) continue;
      // Removed since the listing (gc): nothing to check.
      if (!digest.ok() && digest.status().code() == Code::kNotFound) continue;
      std::lock_guard<std::mutex> lock(mu);
      if (digest.ok()) {
        report.problems.push_back({b.sha256, "corrupt", "bytes hash to " + *digest, {}});
      } else {
        report.problems.push_back({b.sha256, "unreadable", digest.status().message(), {}});
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    if (--running == 0) done_cv.notify_all();
  };
  std::vector<std::thread> threads;
  for (int i = 0, n = running; i < n; ++i) threads.emplace_back(worker);
  auto report_progress = [&] {
    progress.bytes_done = bytes_done;
    progress.blobs_done = blobs_done;
    if (options.progress) options.progress(progress);
  };
  {
    std::unique_lock<std::mutex> lock(mu);
    while (!done_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return running == 0; })) {
      lock.unlock();
      report_progress();
      lock.lock();
    }
  }
  for (std::thread& t : threads) t.join();
  report_progress();
  report.blobs_checked = blobs_done;
  report.bytes_checked = bytes_done;
}

}  // namespace

std::vector<std::string> VerifyReport::BrokenVersions() const {
  std::set<std::string> out;
  for (const BlobProblem& p : problems) {
    for (const ArtifactBlobRef& r : p.refs) out.insert(r.model + ":" + std::to_string(r.version));
  }
  return {out.begin(), out.end()};
}

Result<VerifyReport> MaintenanceService::Verify(const VerifyOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  VerifyReport report;
  ASSIGN_OR_RETURN(RefsByBlob refs, LoadRefs(meta_));
  ASSIGN_OR_RETURN(std::vector<StoredBlob> stored, LoadStored(blobs_));
  std::set<std::string> on_disk;
  for (const StoredBlob& b : stored) on_disk.insert(b.sha256);
  report.referenced_blobs = static_cast<int64_t>(refs.size());
  for (const StoredBlob& b : stored) report.unreferenced_blobs += refs.count(b.sha256) ? 0 : 1;
  // Biggest first, so that one large blob does not run alone at the end.
  std::sort(stored.begin(), stored.end(),
            [](const StoredBlob& a, const StoredBlob& b) { return a.size > b.size; });
  HashAll(blobs_, stored, options, report);

  std::vector<std::string> absent;
  for (const auto& [sha, r] : refs) {
    if (!on_disk.count(sha)) absent.push_back(sha);
  }
  if (!absent.empty()) {
    // A version deleted and collected while this ran is not a problem: look again.
    ASSIGN_OR_RETURN(refs, LoadRefs(meta_));
    for (const std::string& sha : absent) {
      ASSIGN_OR_RETURN(bool there, blobs_.Exists(sha));
      if (!there && refs.count(sha)) report.problems.push_back({sha, "missing", "not stored", {}});
    }
  }
  for (BlobProblem& p : report.problems) {
    auto it = refs.find(p.sha256);
    if (it != refs.end()) p.refs = it->second;
  }
  std::sort(report.problems.begin(), report.problems.end(),
            [](const BlobProblem& a, const BlobProblem& b) { return a.sha256 < b.sha256; });
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

Status MaintenanceService::CollectStaleDrafts(const GcOptions& options, int64_t now_ms,
                                              GcReport& report) {
  if (!options.drafts_older_than_ms) return Status::Ok();
  const int64_t cutoff = now_ms - *options.drafts_older_than_ms;
  ASSIGN_OR_RETURN(std::vector<DraftRef> stale, meta_.ListStaleDrafts(cutoff));
  for (DraftRef& d : stale) {
    if (options.dry_run) {
      report.drafts_deleted.push_back(std::move(d));
      continue;
    }
    Status st = meta_.DeleteDraft(d.model, d.version, cutoff, Actor{"gc", ""}, now_ms);
    if (st.ok()) {
      report.drafts_deleted.push_back(std::move(d));
    } else if (st.code() == Code::kFailedPrecondition || st.code() == Code::kNotFound) {
      report.drafts_skipped.push_back(d.model + ":" + std::to_string(d.version) + ": " +
                                      st.message());
    } else {
      return st;
    }
  }
  return Status::Ok();
}

Result<GcReport> MaintenanceService::Gc(const GcOptions& options) {
  if (options.grace_ms < 0) return InvalidArgument("the grace period cannot be negative");
  const int64_t now = clock_.NowMs();
  GcReport report;
  RETURN_IF_ERROR(CollectStaleDrafts(options, now, report));
  // The references are read after the drafts went, so their blobs count as unreferenced.
  // In a dry run the drafts are still there: leave their artifacts out by hand.
  ASSIGN_OR_RETURN(std::vector<ArtifactBlobRef> refs, meta_.ListArtifactBlobs());
  std::set<std::pair<std::string, int64_t>> gone;
  for (const DraftRef& d : report.drafts_deleted) gone.insert({d.model, d.version});
  std::set<std::string> referenced;
  for (const ArtifactBlobRef& r : refs) {
    if (!r.draft || !gone.count({r.model, r.version})) referenced.insert(r.sha256);
  }
  const int64_t cutoff = now - options.grace_ms;
  ASSIGN_OR_RETURN(std::vector<StoredBlob> stored, LoadStored(blobs_));
  std::vector<std::string> removed;
  for (const StoredBlob& b : stored) {
    if (referenced.count(b.sha256)) {
      ++report.blobs_referenced;
      continue;
    }
    bool gone_now = b.modified_ms < cutoff;
    if (gone_now && !options.dry_run) {
      // The metadata store decides, against uploads in every process, that nothing
      // references or pins the blob (the references read above may be stale by now).
      ASSIGN_OR_RETURN(std::unique_ptr<BlobRemovalClaim> claim, meta_.ClaimBlobRemoval(b.sha256));
      if (!claim) {
        ++report.blobs_referenced;
        continue;
      }
      // The blob store checks the time again under its lock: the listing may be stale too.
      ASSIGN_OR_RETURN(gone_now, blobs_.RemoveIfOlder(b.sha256, cutoff));
    }
    if (!gone_now) {
      ++report.blobs_in_grace;
      continue;
    }
    ++report.blobs_removed;
    report.bytes_removed += b.size;
    removed.push_back(b.sha256);
  }
  if (!options.dry_run && !removed.empty()) {
    ASSIGN_OR_RETURN(report.records_forgotten, meta_.ForgetBlobs(removed));
  }
  return report;
}

}  // namespace mv
