// Weight parity: do a PyTorch state dict (or checkpoint) and an ONNX model carry the same
// weights? Tensors are paired by name (a checkpoint's "model_state." / "state_dict."
// prefix stripped), then, for exporters that rename, by content: dtype, shape and SHA-256,
// then the transpose of a 2-D weight (MatMul weights are stored transposed), then an
// initializer another weight already took (exporters keep one initializer for identical
// tensors, such as every LayerNorm's ones and zeros). Only identical bytes count: a folded
// or re-quantized copy is not a match. Uniform tensors (all zeros, a scalar...) and tensors
// whose content is already taken only ever count as shared: their bytes do not say which
// initializer is theirs. Then, bounded (slice_pairing.h), a weight found as a slice of a fused
// initializer (`sliced`) or as the concatenation of slices of initializers (`concatenated`:
// split by the exporter, or its blocks reordered), row by row.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "registry/formats/cross/slice_match.h"
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
  int64_t matched_by_content = 0;    // renamed by the exporter, identical bytes
  int64_t matched_transposed = 0;    // renamed and stored transposed (2-D)
  int64_t matched_shared = 0;        // identical content in an initializer others share
  int64_t matched_sliced = 0;        // rows of one initializer (a fused tensor)
  int64_t matched_concatenated = 0;  // rows of several (split), or of one reordered
  int64_t different = 0;             // same name, other dtype, shape or bytes
  int64_t missing_in_onnx = 0;       // torch weights with no identical initializer
  int64_t missing_in_torch = 0;      // float initializers (not scalars) no torch weight has
  int64_t onnx_not_weights = 0;      // other unpaired initializers: shape constants, scalars
  int64_t not_comparable = 0;        // not hashed on one side (layout, budget, dtype...)
  int64_t ignored = 0;               // torch tensors outside the prefix, num_batches_tracked
  int64_t bytes_hashed = 0;          // both sides
  bool truncated = false;            // a side had more tensors than were read

  struct Names {
    std::vector<std::string> different, missing_in_onnx, missing_in_torch, onnx_not_weights,
        not_comparable, ignored;
    std::vector<std::pair<std::string, std::string>> renamed;       // (torch, onnx)
    std::vector<std::pair<std::string, std::string>> transposed;    // (torch, onnx)
    std::vector<std::pair<std::string, std::string>> shared;        // (torch, onnx)
    std::vector<std::pair<std::string, std::string>> sliced;        // (torch, "W[0:32]")
    std::vector<std::pair<std::string, std::string>> concatenated;  // (torch, "A[..] + B[..]")
  } names;
  bool names_truncated = false;
  std::string slices_error;  // why slices were not compared (a file could not be re-read)

  int64_t matched() const {
    return matched_by_name + matched_by_content + matched_transposed + matched_shared +
           matched_sliced + matched_concatenated;
  }
  // "failed" when a weight differs, "passed" when every torch weight matched (and both
  // sides were read whole), "partial" otherwise.
  std::string StatusName() const;
  Summary ToSummary() const;
};

// Compares the two sides; `rows`, when set, reads the rows of the weights left unplaced for
// slices and concatenations (called at most once). Thread-safe (no state).
WeightParity CompareWeights(const TensorDigests& torch, const TensorDigests& onnx,
                            const RowReader& rows = nullptr);

}  // namespace mv::formats::cross
