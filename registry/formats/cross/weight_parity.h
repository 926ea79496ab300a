// Weight parity: do a PyTorch state dict (or checkpoint) and an ONNX model carry the same
// weights? Tensors are paired by name (a checkpoint's "model_state." / "state_dict."
// prefix stripped), then, for exporters that rename, by dtype, shape and SHA-256. Only
// identical bytes count: a transposed, folded or re-quantized copy is not a match.
// Uniform tensors (all zeros, a scalar...) are never paired by content: their bytes say
// nothing about which tensor they are. One initializer serves two torch weights only when
// those share their storage (tied weights).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "registry/formats/cross/tensor_digest.h"
#include "registry/formats/summary.h"

namespace mv::formats::cross {

// Names listed per category at most; the counts are always complete.
inline constexpr size_t kMaxListedNames = 50;

struct WeightParity {
  std::string prefix;             // the checkpoint prefix stripped, or ""
  int64_t torch_tensors = 0;      // weights compared from the torch side
  int64_t onnx_initializers = 0;  // initializers read from the ONNX side
  int64_t matched_by_name = 0;
  int64_t matched_by_content = 0;  // renamed by the exporter, identical bytes
  int64_t different = 0;           // same name, other dtype, shape or bytes
  int64_t missing_in_onnx = 0;     // torch weights with no identical initializer
  int64_t missing_in_torch = 0;    // float initializers (not scalars) no torch weight has
  int64_t onnx_not_weights = 0;    // other unpaired initializers: shape constants, scalars
  int64_t not_comparable = 0;      // not hashed on one side (layout, budget, dtype...)
  int64_t ignored = 0;             // torch tensors outside the prefix, num_batches_tracked
  int64_t bytes_hashed = 0;        // both sides
  bool truncated = false;          // a side had more tensors than were read

  struct Names {
    std::vector<std::string> different, missing_in_onnx, missing_in_torch, onnx_not_weights,
        not_comparable, ignored;
    std::vector<std::pair<std::string, std::string>> renamed;  // (torch, onnx)
  } names;
  bool names_truncated = false;

  int64_t matched() const { return matched_by_name + matched_by_content; }
  // "failed" when a weight differs, "passed" when every torch weight matched (and both
  // sides were read whole), "partial" otherwise.
  std::string StatusName() const;
  Summary ToSummary() const;
};

// Compares the two sides. Thread-safe (no state).
WeightParity CompareWeights(const TensorDigests& torch, const TensorDigests& onnx);

}  // namespace mv::formats::cross
