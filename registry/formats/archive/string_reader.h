// StringReader: a BlobReader over bytes already in memory (an archive member that was read
// out so the inspectors can look at it like any top-level file).
#pragma once

#include <algorithm>
#include <cstring>
#include <string>

#include "registry/blob_store.h"

namespace mv::formats::archive {

// Owns its bytes. Not thread-safe (one inspection at a time, like every BlobReader).
class StringReader final : public BlobReader {
 public:
  explicit StringReader(std::string bytes) : bytes_(std::move(bytes)) {}
  int64_t size() const override { return static_cast<int64_t>(bytes_.size()); }
  // InvalidArgument for a negative offset; 0 at or past the end.
  Result<size_t> ReadAt(int64_t offset, char* buf, size_t n) override {
    if (offset < 0) return InvalidArgument("negative offset");
    if (offset >= size()) return size_t{0};
    size_t k = std::min(n, bytes_.size() - static_cast<size_t>(offset));
    std::memcpy(buf, bytes_.data() + offset, k);
    return k;
  }

 private:
  std::string bytes_;
};

}  // namespace mv::formats::archive
