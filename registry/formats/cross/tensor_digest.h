// One tensor's identity for the weight comparison: name, dtype, shape and the SHA-256 of
// its contiguous little-endian bytes, read from a torch zip or an ONNX model by streaming.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
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
  // True for fewer than two elements too.
  bool uniform() const { return uniform_; }

 private:
  util::Sha256 sha_;
  size_t element_size_;
  std::string first_;  // the first element's bytes
  uint64_t pos_ = 0;
  bool uniform_ = true;
};

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

// The ONNX name of a torch dtype ("float32" -> "FLOAT"); "" when ONNX has none.
std::string OnnxDtypeOfTorch(const std::string& torch_dtype);

}  // namespace mv::formats::cross
