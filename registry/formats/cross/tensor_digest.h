// One tensor's identity for the weight comparison: name, dtype, shape and the SHA-256 of
// its contiguous little-endian bytes, read from a torch zip or an ONNX model by streaming.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/sha256.h"

namespace mv::formats::cross {

struct TensorDigest {
  std::string name;
  std::string dtype;  // ONNX element type name: "FLOAT", "INT64", ...
  std::vector<int64_t> shape;
  int64_t bytes = 0;    // elements x element size
  std::string sha256;   // empty when the bytes were not hashed
  std::string why_not;  // why not: "not contiguous", "over the byte budget", ...
  // Every element has the same bytes (zeros, ones, a scalar): such content identifies
  // nothing, so it is never used to pair renamed tensors.
  bool uniform = false;
  std::string storage_ref;  // torch: "<storage key>@<byte offset>"; tied tensors share it
  // Torch 2-D tensors up to kMaxTransposedBytes: the SHA-256 of the transpose's bytes
  // (exporters store MatMul weights transposed); empty otherwise.
  std::string sha256_transposed;
  bool hashed() const { return !sha256.empty(); }
};

// Hashes one tensor's bytes, element by element in order, and notices whether every
// element repeats the first. Not thread-safe.
class TensorHasher {
 public:
  explicit TensorHasher(int64_t element_size)
      : element_size_(static_cast<size_t>(element_size > 0 ? element_size : 1)) {}
  void Update(std::string_view bytes);
  std::string HexDigest() { return sha_.HexDigest(); }
  // Appends every byte hashed from now on to `*into` (null: none), for a caller that needs
  // the tensor whole as well.
  void Keep(std::string* into) { keep_ = into; }
  // True for fewer than two elements too.
  bool uniform() const { return uniform_; }

 private:
  util::Sha256 sha_;
  size_t element_size_;
  std::string first_;  // the first element's bytes
  uint64_t pos_ = 0;
  bool uniform_ = true;
  std::string* keep_ = nullptr;
};

// A tensor seen as rows (its first axis longer than 1; single elements for a vector), for
// matching slices and concatenations: one key per row.
inline constexpr size_t kRowKeyBytes = 32;
struct RowDigests {
  int64_t rows = 0;
  int64_t row_bytes = 0;
  // rows x kRowKeyBytes: a row's bytes zero-padded when they fit, else their SHA-256 (rows
  // of one row_bytes are compared only with each other, so the two forms never meet).
  std::string keys;
  std::string_view Key(int64_t row) const {
    return std::string_view(keys).substr(static_cast<size_t>(row) * kRowKeyBytes, kRowKeyBytes);
  }
};

// Builds RowDigests from a tensor's bytes fed in order, without holding them. Not
// thread-safe.
class RowDigester {
 public:
  explicit RowDigester(int64_t row_bytes) { out_.row_bytes = row_bytes > 0 ? row_bytes : 1; }
  void Update(std::string_view bytes);
  // The keys of the complete rows fed (a partial last row is dropped). Call once.
  RowDigests Finish() { return std::move(out_); }

 private:
  void EndRow();
  RowDigests out_;
  std::string small_;  // the current row's bytes while they fit a key
  util::Sha256 sha_;
  int64_t in_row_ = 0;  // bytes of the current row fed so far
};

// The rows of the transpose of the row-major rows x cols matrix in `bytes`.
RowDigests TransposedRows(std::string_view bytes, int64_t rows, int64_t cols, int64_t element_size);

// How a tensor of `shape` is seen as rows: leading dims of 1 dropped, then {first dim,
// elements per row}; a vector (or a scalar) is {elements, 1}. {0, 0} for a negative or
// overflowing shape.
std::pair<int64_t, int64_t> RowShape(const std::vector<int64_t>& shape);

struct TensorDigests {
  std::vector<TensorDigest> tensors;  // at most DigestLimits::max_tensors, in file order
  int64_t count = 0;                  // tensors found (may exceed tensors.size())
};

// Bounds on one comparison. The byte budget is shared by both sides and consumed as
// tensors are hashed; tensors that no longer fit are listed, not hashed.
struct DigestLimits {
  int64_t max_tensors = 100000;
  int64_t max_total_bytes = int64_t{4} << 30;
  int64_t max_read_bytes = int64_t{256} << 20;  // a torch zip's data.pkl, held to walk it
};

// The largest 2-D tensor whose transpose is hashed too (held whole while it is hashed).
inline constexpr int64_t kMaxTransposedBytes = int64_t{32} << 20;

// The SHA-256 of the transpose of the row-major rows x cols matrix in `bytes` (elements of
// `element_size` bytes).
std::string TransposedSha256(std::string_view bytes, int64_t rows, int64_t cols,
                             int64_t element_size);

// Whether an initializer looks like a learned weight rather than a constant the exporter
// added (shape tensors, scalars, axes): floating point with more than one element.
bool WeightLike(const TensorDigest& d);

// The ONNX name of a torch dtype ("float32" -> "FLOAT"); "" when ONNX has none.
std::string OnnxDtypeOfTorch(const std::string& torch_dtype);

}  // namespace mv::formats::cross
