#include "registry/formats/cross/tensor_digest.h"

namespace mv::formats::cross {

void TensorHasher::Update(std::string_view bytes) {
  sha_.Update(bytes);
  size_t i = 0;
  for (; i < bytes.size() && first_.size() < element_size_; ++i, ++pos_) first_.push_back(bytes[i]);
  if (!uniform_) return;
  for (; i < bytes.size(); ++i, ++pos_) {
    if (bytes[i] != first_[pos_ % element_size_]) {
      uniform_ = false;
      return;
    }
  }
}

}  // namespace mv::formats::cross

namespace mv::formats::cross {

std::string TransposedSha256(std::string_view bytes, int64_t rows, int64_t cols,
                             int64_t element_size) {
  const size_t es = static_cast<size_t>(element_size);
  util::Sha256 sha;
  std::string column(static_cast<size_t>(rows) * es, '\0');
  for (int64_t c = 0; c < cols; ++c) {
    for (int64_t r = 0; r < rows; ++r) {
      const size_t from = (static_cast<size_t>(r) * static_cast<size_t>(cols) + c) * es;
      column.replace(static_cast<size_t>(r) * es, es, bytes.data() + from, es);
    }
    sha.Update(column);
  }
  return sha.HexDigest();
}

}  // namespace mv::formats::cross
