// Checks a request against a model's signature before ONNX Runtime sees it, so that a bad
// request gets a message naming the input and what was expected. No ORT types here.
#pragma once

#include <string>
#include <vector>

#include "registry/inference_engine.h"

namespace mv::inference {

// "FP32 [-1,4]" (dtype and shape as declared or as given).
std::string DescribeShape(DType dtype, const std::vector<int64_t>& shape);

// Ok when `inputs` name each of `specs` exactly once, with the declared dtype, rank and fixed
// dims, one size per symbolic dim name across inputs, ElementCount * DTypeSize bytes of data
// (ElementCount strings for BYTES) and BOOL bytes of 0 or 1. Otherwise InvalidArgument naming
// the input, e.g. `input "x": expected FP32 [-1,4], got FP64 [2,4]`. `kinds[i]` is "" for a
// tensor input; anything else cannot be run ("not supported: ...").
Status CheckInputs(const std::vector<TensorSpec>& specs, const std::vector<std::string>& kinds,
                   const std::vector<Tensor>& inputs);

// The indices into `specs` of the outputs named in `names` (every output, in declaration
// order, when `names` is empty). InvalidArgument for an unknown or repeated name and for an
// output that is not a tensor (`kinds[i]` not "").
Result<std::vector<size_t>> SelectOutputs(const std::vector<TensorSpec>& specs,
                                          const std::vector<std::string>& kinds,
                                          const std::vector<std::string>& names);

}  // namespace mv::inference
