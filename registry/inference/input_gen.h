// Inputs for a parity run when the version carries no reference data: seeded random
// tensors shaped from the model's declared inputs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "registry/inference_engine.h"
#include "util/status.h"

namespace mv::inference {

struct InputPlan {
  // Full shapes per input name (meta.parity.shapes); they win over the declared shape.
  std::map<std::string, std::vector<int64_t>> shapes;
  int64_t batch = 1;              // the size of a dynamic first dimension
  int64_t other_dynamic_dim = 8;  // any other dynamic dimension
  uint64_t seed = 42;
  int64_t max_elements = int64_t{1} << 26;  // per input
};

// One tensor per declared input: floats uniform in [-1, 1), integers in [0, 10), booleans
// half true. InvalidArgument when a shape override has the wrong rank or disagrees with a
// fixed dimension, when an input is too large, or for BYTES inputs without an override.
Result<std::vector<Tensor>> GenerateInputs(const ModelSignature& sig, const InputPlan& plan);

// The shape an input gets under `plan` (declared dims with the dynamic ones filled in).
Result<std::vector<int64_t>> PlannedShape(const TensorSpec& spec, const InputPlan& plan);

}  // namespace mv::inference
