// BlobStore: content-addressed, immutable byte storage, keyed by SHA-256. The registry
// owns this interface; storage/ implements it (filesystem now, S3-compatible later).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "registry/status.h"

namespace mv {

struct BlobInfo {
  std::string sha256;  // lower-case hex
  int64_t size = 0;
};

class BlobReader;

// Streams one new blob. Not thread-safe; one writer per upload. Destroying a writer that
// was not published discards its bytes.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // Appends bytes, hashing as they pass. StorageFull when the disk is full, Internal on
  // other I/O errors; after an error the writer is unusable.
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
  virtual Result<size_t> ReadAt(int64_t offset, char* buf, size_t n) = 0;
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
};

}  // namespace mv
