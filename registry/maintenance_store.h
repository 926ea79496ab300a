// MaintenanceStore: what verify, gc and backup need from the metadata, beside the
// MetadataStore that requests use. The registry owns this interface; storage/ implements
// it (SQLite now). Every method is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/status.h"
#include "registry/types.h"

namespace mv {

// One artifact of a version that has content (sealed and live, or a draft), and its blob.
struct ArtifactBlobRef {
  std::string model;
  int64_t version = 0;
  std::string artifact;
  std::string sha256;
  int64_t size = 0;
  bool draft = false;
};

// A draft and the time of its last change (its creation or its newest artifact).
struct DraftRef {
  std::string model;
  int64_t version = 0;
  int64_t last_change_ms = 0;
};

// gc's claim on one blob's removal; destroying it ends the claim (registry/blob_guard.h).
class BlobRemovalClaim {
 public:
  virtual ~BlobRemovalClaim() = default;
};

class MaintenanceStore {
 public:
  virtual ~MaintenanceStore() = default;

  // Every artifact row, ordered by digest, read in one snapshot. Tombstoned versions have
  // none (deletion drops their artifacts), so their blobs appear only if shared.
  virtual Result<std::vector<ArtifactBlobRef>> ListArtifactBlobs() = 0;
  // Drafts whose last change is before `cutoff_ms`, by model and number.
  virtual Result<std::vector<DraftRef>> ListStaleDrafts(int64_t cutoff_ms) = 0;
  // Deletes a draft with its artifact rows, lineage and attributes, and audits it
  // ("version.expire"), in one transaction. The number may be used again by the next
  // version. NotFound when gone; FailedPrecondition when it is sealed by now, changed at or
  // after `cutoff_ms`, or named as a parent by another version.
  virtual Status DeleteDraft(const std::string& model, int64_t number, int64_t cutoff_ms,
                             const Actor& who, int64_t now_ms) = 0;
  // Drops the records (blob row, inspection) of digests that no artifact references; a
  // digest referenced again meanwhile keeps them. Returns how many digests were forgotten.
  virtual Result<int64_t> ForgetBlobs(const std::vector<std::string>& sha256s) = 0;
  // Claims the removal of `sha256` for gc, decided by the database that every process
  // shares: null when an artifact row references the blob, an upload has pinned it
  // (BlobGuard) or another gc holds a claim on it; else a claim during which new pins wait,
  // so the caller may delete the bytes. Stores without pins (SQLite, whose filesystem blob
  // store orders removal against publish under its own lock) return a claim that does
  // nothing.
  virtual Result<std::unique_ptr<BlobRemovalClaim>> ClaimBlobRemoval(const std::string& sha256) {
    (void)sha256;
    return std::make_unique<BlobRemovalClaim>();
  }
  // Writes a consistent copy of the whole database to `path` (which must not exist) while
  // others keep writing, and returns the artifact rows of that copy. AlreadyExists when
  // `path` exists; StorageFull when the copy does not fit.
  virtual Result<std::vector<ArtifactBlobRef>> Snapshot(const std::string& path) = 0;
};

}  // namespace mv
