// BackupService: `modelvault backup` and `restore`. A backup is a data directory of its
// own: a consistent copy of the metadata (taken while the source keeps serving) plus every
// blob that copy references. Restore is the same copy the other way, into an empty
// directory. Written against the BlobStore and MaintenanceStore interfaces.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "registry/blob_store.h"
#include "registry/maintenance_service.h"
#include "registry/maintenance_store.h"
#include "util/status.h"

namespace mv {

struct CopyProgress {
  int64_t blobs_done = 0, blobs_total = 0;
  int64_t bytes_done = 0, bytes_total = 0;
};

struct CopyOptions {
  // Share blob bytes with hard links where the stores allow it (same filesystem); else
  // every blob is copied, and hashed on the way.
  bool allow_links = true;
  std::function<void(const CopyProgress&)> progress;  // from the calling thread
};

struct CopyReport {
  int64_t versions = 0;         // versions with artifacts in the copied metadata
  int64_t artifacts = 0;        // artifact rows in the copied metadata
  std::vector<BlobInfo> blobs;  // every blob the copy needs, by digest
  int64_t blobs_linked = 0;
  int64_t blobs_copied = 0;
  int64_t bytes = 0;
  std::vector<BlobProblem> problems;  // missing or corrupt in the source, with their refs
  double seconds = 0;

  bool ok() const { return problems.empty(); }
};

class BackupService {
 public:
  BackupService(BlobStore& from_blobs, MaintenanceStore& from_meta)
      : from_blobs_(from_blobs), from_meta_(from_meta) {}

  // Snapshots the metadata into `to_db_path` (which must not exist), then links or copies
  // every blob the snapshot references into `to_blobs`. Blob removal (gc) is paused on the
  // source from before the snapshot until the last blob is in, so every blob the snapshot
  // names is still there. A blob missing or corrupt in the source is a problem in the
  // report, not an error: the rest is still copied.
  Result<CopyReport> CopyTo(BlobStore& to_blobs, const std::string& to_db_path,
                            const CopyOptions& options);

 private:
  Status CopyBlob(const BlobInfo& blob, BlobStore& to, const std::function<void(int64_t)>& step,
                  CopyReport& report);

  BlobStore& from_blobs_;
  MaintenanceStore& from_meta_;
};

}  // namespace mv
