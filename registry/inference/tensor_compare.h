// Comparing a runtime's outputs with the expected ones, as numpy.allclose does:
// |actual - expected| <= atol + rtol * |expected|, NaN equal to NaN.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "registry/inference_engine.h"

namespace mv::inference {

struct Tolerance {
  double atol = 1e-5;
  double rtol = 0.0;
};

struct TensorDiff {
  std::string name;
  bool within = false;
  double max_abs = 0;      // largest |actual - expected|
  double max_rel = 0;      // largest |actual - expected| / |expected| (expected != 0)
  int64_t mismatched = 0;  // elements outside the tolerance
  int64_t elements = 0;
  std::string problem;     // dtype or shape disagreement; empty when comparable
  // Agreement measures, set when a variant is judged against its parent (variant_check.h).
  std::optional<double> cosine;  // cosine similarity of the flattened tensors
  std::optional<double> top1;    // rank 2: share of rows whose argmax agrees
  std::optional<double> top5;    // rank 2: share of rows whose expected argmax is in the top 5
};

// Floats (FP16, BF16, FP32, FP64) within `tol`; integers, BOOL and BYTES exactly.
// Never fails: a dtype, shape or size disagreement is reported in `problem`.
TensorDiff CompareTensors(const Tensor& expected, const Tensor& actual, const Tolerance& tol);

// Element `i` of a numeric tensor as a double (0 for BYTES). `i` must be in range.
double ElementAsDouble(const Tensor& t, int64_t i);

bool IsFloating(DType t);

}  // namespace mv::inference
