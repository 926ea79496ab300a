#include "registry/formats/cross/tensor_digest.h"

#include <algorithm>

namespace mv::formats::cross {

void TensorHasher::Update(std::string_view bytes) {
  sha_.Update(bytes);
  if (keep_ != nullptr) keep_->append(bytes);
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

namespace {

// Feeds `sink` the columns of the row-major rows x cols matrix in `bytes`, one at a time.
template <typename Sink>
void FeedColumns(std::string_view bytes, int64_t rows, int64_t cols, int64_t element_size,
                 Sink& sink) {
  const size_t es = static_cast<size_t>(element_size);
  std::string column(static_cast<size_t>(rows) * es, '\0');
  for (int64_t c = 0; c < cols; ++c) {
    for (int64_t r = 0; r < rows; ++r) {
      const size_t from = (static_cast<size_t>(r) * static_cast<size_t>(cols) + c) * es;
      column.replace(static_cast<size_t>(r) * es, es, bytes.data() + from, es);
    }
    sink.Update(column);
  }
}

}  // namespace

std::string TransposedSha256(std::string_view bytes, int64_t rows, int64_t cols,
                             int64_t element_size) {
  util::Sha256 sha;
  FeedColumns(bytes, rows, cols, element_size, sha);
  return sha.HexDigest();
}

void RowDigester::Update(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t take = static_cast<size_t>(
        std::min<int64_t>(out_.row_bytes - in_row_, static_cast<int64_t>(bytes.size())));
    if (out_.row_bytes <= static_cast<int64_t>(kRowKeyBytes)) {
      small_.append(bytes.data(), take);
    } else {
      sha_.Update(bytes.substr(0, take));
    }
    in_row_ += static_cast<int64_t>(take);
    bytes.remove_prefix(take);
    if (in_row_ == out_.row_bytes) EndRow();
  }
}

void RowDigester::EndRow() {
  if (out_.row_bytes <= static_cast<int64_t>(kRowKeyBytes)) {
    small_.resize(kRowKeyBytes, '\0');
    out_.keys += small_;
    small_.clear();
  } else {
    out_.keys += sha_.Digest();
    sha_ = util::Sha256();
  }
  ++out_.rows;
  in_row_ = 0;
}

RowDigests TransposedRows(std::string_view bytes, int64_t rows, int64_t cols,
                          int64_t element_size) {
  RowDigester out(rows * element_size);
  FeedColumns(bytes, rows, cols, element_size, out);
  return out.Finish();
}

bool WeightLike(const TensorDigest& d) {
  const bool floating =
      d.dtype == "FLOAT" || d.dtype == "FLOAT16" || d.dtype == "BFLOAT16" || d.dtype == "DOUBLE";
  int64_t numel = 1;
  for (int64_t dim : d.shape) {
    if (dim < 0 || __builtin_mul_overflow(numel, dim, &numel)) return floating && dim >= 0;
  }
  return floating && numel > 1;
}

std::pair<int64_t, int64_t> RowShape(const std::vector<int64_t>& shape) {
  size_t first = 0;
  while (first < shape.size() && shape[first] == 1) ++first;
  int64_t rest = 1;
  for (size_t d = first; d < shape.size(); ++d) {
    if (shape[d] < 0 || (d > first && __builtin_mul_overflow(rest, shape[d], &rest))) {
      return {0, 0};
    }
  }
  if (first + 1 >= shape.size()) return {first < shape.size() ? shape[first] : 1, 1};
  return {shape[first], rest};
}

}  // namespace mv::formats::cross
