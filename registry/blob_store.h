// BlobStore: content-addressed, immutable byte storage, keyed by SHA-256. The registry
// owns this interface; storage/ implements it (filesystem now, S3-compatible later).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace mv {

struct BlobInfo {
  std::string sha256;  // lower-case hex
  int64_t size = 0;
};

// A stored blob as a listing sees it.
struct StoredBlob {
  std::string sha256;
  int64_t size = 0;
  int64_t modified_ms = 0;  // when it was last published (written, or found as a duplicate)
};

class BlobReader;

// Streams one new blob. Not thread-safe; one writer per upload. Destroying a writer that
// was not published discards its bytes.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // Appends bytes, hashing as they pass. StorageFull when the disk is full, Internal on
  // other I/O errors; after an error the writer is unusable and its bytes are dropped.
  virtual Status Append(std::string_view data) = 0;
  // Ends the stream: computes the digest and makes the bytes durable (not yet visible).
  virtual Result<BlobInfo> Finish() = 0;
  // Reads the finished (not yet published) bytes, e.g. to inspect them before they are kept.
  virtual Result<std::unique_ptr<BlobReader>> OpenFinished() = 0;
  // Makes the finished blob visible under its digest. Identical bytes already stored are
  // kept and the new copy dropped. Durable (file and directory synced) on return.
  virtual Status Publish() = 0;
};

// Random access to one stored blob. Thread-compatible.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual int64_t size() const = 0;
  // Reads up to `n` bytes at `offset` into `buf`; returns the count (0 at the end).
  // A reader that verifies reads (FsBlobStore with verify_reads) answers DataLoss instead
  // of the last bytes of a sequential pass whose digest does not match.
  virtual Result<size_t> ReadAt(int64_t offset, char* buf, size_t n) = 0;
  // Checks the whole blob against its digest before anything is served from it: DataLoss
  // on a mismatch. Readers that do not verify return Ok without reading.
  virtual Status VerifyAll() { return Status::Ok(); }
};

// While alive, no blob is removed (RemoveIfOlder waits): a backup holds one from before
// its database snapshot until the snapshot's blobs are copied.
class BlobRemovalPause {
 public:
  virtual ~BlobRemovalPause() = default;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // A writer for a new blob. Thread-safe.
  virtual Result<std::unique_ptr<BlobWriter>> NewWriter() = 0;
  // Opens a stored blob; NotFound when absent, InvalidArgument for a malformed digest.
  virtual Result<std::unique_ptr<BlobReader>> Open(std::string_view sha256) = 0;
  // Whether the blob is stored. Thread-safe.
  virtual Result<bool> Exists(std::string_view sha256) = 0;

  // --- maintenance (verify, gc, backup): not on a request's path; all thread-safe ---
  // Calls `fn` for every stored blob, in no particular order, and stops at the first error
  // `fn` returns (which is returned). Files whose names are not digests are skipped.
  virtual Status List(const std::function<Status(const StoredBlob&)>& fn) = 0;
  // Reads every byte of the blob and returns their SHA-256 (lower-case hex); `progress`
  // (may be empty) gets the byte count of each chunk read. NotFound when absent.
  virtual Result<std::string> Rehash(std::string_view sha256,
                                     const std::function<void(int64_t)>& progress) = 0;
  // Deletes the blob unless it was published at or after `cutoff_ms`; true when deleted,
  // false when younger or absent. Atomic with respect to Publish of the same digest, in any
  // process: a Publish that finds the blob refreshes its time first (so it is kept), one
  // that comes after the deletion stores its own copy.
  virtual Result<bool> RemoveIfOlder(std::string_view sha256, int64_t cutoff_ms) = 0;
  // Blocks removals until the returned object is destroyed.
  virtual Result<std::unique_ptr<BlobRemovalPause>> PauseRemovals() = 0;
  // Makes `dest` hold the blob by sharing its bytes (a hard link) when both are stores of
  // this kind on one filesystem: true when done (or already there), false when the caller
  // must copy instead.
  virtual Result<bool> LinkInto(std::string_view sha256, BlobStore& dest) = 0;
};

}  // namespace mv
