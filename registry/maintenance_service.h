// MaintenanceService: `modelvault verify` and `modelvault gc`, written against the
// BlobStore and MaintenanceStore interfaces. Both are safe while a server is serving the
// same stores. Thread-safe (no state of its own beyond the stores and the clock).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "registry/blob_store.h"
#include "registry/clock.h"
#include "registry/maintenance_store.h"
#include "util/status.h"

namespace mv {

struct VerifyProgress {
  int64_t blobs_done = 0, blobs_total = 0;
  int64_t bytes_done = 0, bytes_total = 0;
};

struct VerifyOptions {
  int jobs = 0;  // hashing threads; 0: one per core
  // Called from the calling thread about ten times a second, and once at the end.
  std::function<void(const VerifyProgress&)> progress;
};

struct BlobProblem {
  std::string sha256;
  std::string problem;                // "missing", "corrupt" or "unreadable"
  std::string detail;                 // the digest the bytes have, or the error
  std::vector<ArtifactBlobRef> refs;  // the artifacts that need the blob; empty: none
};

struct VerifyReport {
  int64_t blobs_checked = 0;
  int64_t bytes_checked = 0;
  int64_t referenced_blobs = 0;    // distinct digests the artifacts name
  int64_t unreferenced_blobs = 0;  // stored but named by no artifact (gc reclaims them)
  double seconds = 0;
  std::vector<BlobProblem> problems;  // by digest

  bool ok() const { return problems.empty(); }
  // "model:version" of every version a problem breaks, sorted, once each.
  std::vector<std::string> BrokenVersions() const;
};

struct GcOptions {
  // Unreferenced blobs published less than this long ago are kept: an upload publishes its
  // blobs first and records them a moment later, and a deduplicated upload refreshes the
  // time of the blob it found. Must exceed the longest publish-to-record gap, unless the
  // metadata store pins uploads (PostgreSQL: registry/blob_guard.h), where any value is safe.
  int64_t grace_ms = 3600 * 1000;
  // Drafts unchanged for longer than this are deleted; none when empty.
  std::optional<int64_t> drafts_older_than_ms;
  bool dry_run = false;  // report what would go, change nothing
};

struct GcReport {
  std::vector<DraftRef> drafts_deleted;     // (or that would be, in a dry run)
  std::vector<std::string> drafts_skipped;  // "model:version: reason"
  int64_t blobs_removed = 0;
  int64_t bytes_removed = 0;
  int64_t blobs_referenced = 0;  // by an artifact, or pinned by an upload in flight
  int64_t blobs_in_grace = 0;     // unreferenced but too young to remove
  int64_t records_forgotten = 0;  // blob rows dropped from the metadata
};

class MaintenanceService {
 public:
  MaintenanceService(BlobStore& blobs, MaintenanceStore& meta, Clock& clock)
      : blobs_(blobs), meta_(meta), clock_(clock) {}

  // Re-hashes every stored blob in parallel and checks every artifact's blob is there.
  // Problems are in the report; an error return means the check itself could not run.
  Result<VerifyReport> Verify(const VerifyOptions& options);
  // Deletes stale drafts (when asked), then unreferenced blobs older than the grace
  // period, then forgets the removed blobs' records. Errors stop it part-way; what was
  // removed by then stays removed (each removal is complete on its own).
  Result<GcReport> Gc(const GcOptions& options);

 private:
  Status CollectStaleDrafts(const GcOptions& options, int64_t now_ms, GcReport& report);

  BlobStore& blobs_;
  MaintenanceStore& meta_;
  Clock& clock_;
};

}  // namespace mv
