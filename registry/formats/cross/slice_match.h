// Slices and concatenations for the weight comparison: exporters split a fused tensor into
// several initializers (or reorder its blocks, as the GRU/LSTM gates), and fuse several
// weights into one (q, k and v into one MatMul weight, often transposed). Tensors are seen
// as rows (RowShape), keyed by their bytes (RowDigests); a torch tensor is covered by runs
// of consecutive rows that appear, consecutively, in the initializers' rows or in the rows
// of their transposes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "registry/formats/cross/tensor_digest.h"
#include "util/status.h"

namespace mv::formats::cross {

// Bounds on the search: candidates per side, rows keyed per side (kRowKeyBytes each), row
// comparisons in all, and initializers that share one row key (repeated rows).
inline constexpr size_t kMaxSliceTensors = 256;
inline constexpr int64_t kMaxSliceRows = int64_t{1} << 20;
inline constexpr int64_t kMaxSliceCompares = int64_t{1} << 26;
inline constexpr size_t kMaxRowPostings = 16;
// Rows at least this long count alone; shorter ones (vectors' elements) only in runs of two.
inline constexpr int64_t kMinRowBytesAlone = 16;

// A tensor seen as rows: tensor is an index into its side's TensorDigests; `transposed`
// (ONNX 2-D initializers only) means the rows of its transpose, its columns.
struct RowView {
  size_t tensor = 0;
  bool transposed = false;
  int64_t rows = 0;
  int64_t row_bytes = 0;
};

struct SliceRequest {
  std::vector<RowView> torch;
  std::vector<RowView> onnx;
};

// Parallel to a SliceRequest's views; a view not read has rows == 0.
struct SliceRows {
  std::vector<RowDigests> torch;
  std::vector<RowDigests> onnx;
};

// Reads the rows a comparison asks for (the cross checker re-reads both files).
using RowReader = std::function<Result<SliceRows>(const SliceRequest&)>;

// `rows` rows of a torch tensor, from row `from`, equal to rows [at, at + rows) of ONNX
// view `view`.
struct Piece {
  size_t view = 0;
  int64_t at = 0;
  int64_t from = 0;
  int64_t rows = 0;
};

// The ONNX views' rows by key. Holds views, which must outlive it. Not thread-safe.
class RowIndex {
 public:
  // `dtypes` parallel to `views`.
  RowIndex(const std::vector<RowDigests>& views, std::vector<std::string> dtypes);
  // Covers `t` greedily with the longest runs (two rows at least when rows are shorter than
  // kMinRowBytesAlone) of views of its dtype and row_bytes; rows no run covers are left out. Each
  // row compared is charged to `*budget`; nothing more is compared once it is spent.
  std::vector<Piece> Cover(const RowDigests& t, const std::string& dtype, int64_t* budget) const;

 private:
  const std::vector<RowDigests>& views_;
  std::vector<std::string> dtypes_;
  std::unordered_map<std::string_view, std::vector<std::pair<uint32_t, uint32_t>>> postings_;
};

}  // namespace mv::formats::cross
