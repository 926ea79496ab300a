// Readers of stored blobs: plain, and verifying (--verify-reads). Internal to storage/fs.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "registry/blob_store.h"
#include "util/sha256.h"

namespace mv::storage {

// Hashes the whole open file from offset 0 with pread (the descriptor's offset is left
// alone); `progress` (may be empty) gets each chunk's byte count.
Result<std::string> HashFd(int fd, const std::function<void(int64_t)>& progress);

// Owns `fd`. Thread-compatible.
class FsBlobReader : public BlobReader {
 public:
  FsBlobReader(int fd, int64_t size) : fd_(fd), size_(size) {}
  ~FsBlobReader() override;
  int64_t size() const override { return size_; }
  Result<size_t> ReadAt(int64_t offset, char* buf, size_t n) override;

 protected:
  int fd_;
  int64_t size_;
};

// Checks the bytes against their digest on the way out. A sequential pass from offset 0
// (a full download) is hashed as it goes: the read that reaches the end answers DataLoss
// instead of its bytes when the digest differs, so a client never receives a complete
// wrong file. Any other access pattern (a range, a seek) verifies the whole blob first.
// Not thread-safe.
class VerifyingBlobReader final : public FsBlobReader {
 public:
  VerifyingBlobReader(int fd, int64_t size, std::string sha256)
      : FsBlobReader(fd, size), sha256_(std::move(sha256)) {}
  Result<size_t> ReadAt(int64_t offset, char* buf, size_t n) override;
  Status VerifyAll() override;

 private:
  Status Mismatch(const std::string& actual);

  std::string sha256_;
  util::Sha256 running_;
  int64_t next_ = 0;        // the offset a sequential pass reads next
  bool sequential_ = true;  // no read so far broke the sequential pass
  bool verified_ = false;
  bool corrupt_ = false;
};

}  // namespace mv::storage
