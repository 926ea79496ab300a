// MemoryBlobReader: a BlobReader over bytes held in memory, for inspector tests. It can
// fail reads past a given offset to test I/O error paths, and counts the largest read.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "registry/blob_store.h"

namespace mv::test {

class MemoryBlobReader : public BlobReader {
 public:
  explicit MemoryBlobReader(std::string bytes) : bytes_(std::move(bytes)) {}

  int64_t size() const override { return static_cast<int64_t>(bytes_.size()); }

  Result<size_t> ReadAt(int64_t offset, char* buf, size_t n) override {
    if (offset < 0) return InvalidArgument("negative offset");
    if (offset >= fail_from_) return Internal("injected read failure");
    if (offset >= size()) return size_t{0};
    size_t k = std::min(n, bytes_.size() - static_cast<size_t>(offset));
    std::memcpy(buf, bytes_.data() + offset, k);
    bytes_read_ += static_cast<int64_t>(k);
    return k;
  }

  void FailReadsFrom(int64_t offset) { fail_from_ = offset; }
  int64_t bytes_read() const { return bytes_read_; }

 private:
  std::string bytes_;
  int64_t fail_from_ = INT64_MAX;
  int64_t bytes_read_ = 0;
};

}  // namespace mv::test
