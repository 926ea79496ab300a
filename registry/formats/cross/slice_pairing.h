// Placing the torch weights that no initializer holds whole (see slice_match.h): as a slice
// of a fused initializer, as the concatenation of slices of several (or of one, reordered),
// or as different when most of their rows are found and some are not. Bounded: only tensors
// whose dtype and row size meet on both sides and whose rows can add up, at most
// kMaxSliceTensors and kMaxSliceRows per side, initializers up to kMaxTransposedBytes (held
// one at a time by the reader).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "registry/formats/cross/slice_match.h"
#include "registry/formats/cross/tensor_digest.h"

namespace mv::formats::cross {

struct SliceCandidate {
  const TensorDigest* weight = nullptr;  // named without the checkpoint prefix
  size_t index = 0;                      // in the torch side's TensorDigests
};

struct SlicePlacement {
  enum class Kind { kSliced, kConcatenated, kDifferent };
  struct Placed {
    size_t candidate = 0;  // index into the candidates
    Kind kind = Kind::kSliced;
    // The ONNX side ("W[0:32]", "A[:, 0:32] + B[0:8]": rows of the first axis longer than
    // 1, or columns "[:, a:b]" of a matrix), or, for kDifferent, the message naming it.
    std::string text;
  };
  std::vector<Placed> placed;
  std::vector<size_t> claimed;     // initializers holding rows of placed weights
  std::vector<std::string> extra;  // rows of those initializers no weight has: "X[64:96]"
  std::string error;               // why nothing was compared (the reader failed)
};

// Places what it can of `candidates` among the `onnx` initializers not `claimed`, reading
// rows through `read` once. Thread-safe (no state).
SlicePlacement PlaceSlices(const std::vector<SliceCandidate>& candidates,
                           const std::vector<TensorDigest>& onnx, const std::vector<bool>& claimed,
                           const RowReader& read);

}  // namespace mv::formats::cross
