// The variant check: a version made from a parity-passed parent by quantization or
// conversion (lineage relation quantized-from / converted-from) is judged by how well it
// agrees with that parent on the same inputs, not by a float tolerance.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry/inference/tensor_compare.h"
#include "registry/inference_engine.h"

namespace mv::inference {

struct CheckOutcome;
struct ParityConfig;
struct ParityMaterial;
struct ReferenceData;

// meta.parity.variant: what a variant must reach against its parent.
struct VariantThresholds {
  double cosine = 0.99;        // per output, over every compared element
  double top1 = 0.98;          // rank-2 (classifier-shaped) outputs only
  std::optional<double> top5;  // rank-2 outputs; not judged unless set
  int64_t samples = 64;        // seeded inputs on top of the parent's reference inputs
  int latency_rounds = 20;     // interleaved parent/variant runs for the latency ratio
};

// The parent a variant is judged against, as the parity service found it.
struct VariantParent {
  std::string model;
  int64_t version = 0;
  std::string relation;  // quantized-from, converted-from
  std::string parity;    // the parent's parity status: it must be "passed"
  ModelSource onnx;
  std::vector<Tensor> reference_inputs;  // the parent's reference inputs, may be empty
  std::map<std::string, int64_t> ops;    // the parent's op histogram (its inspection)
};

// What the report shows about a variant beyond the check's verdict.
struct VariantSummary {
  std::string parent_model;
  int64_t parent_version = 0;
  std::string relation;
  int64_t samples = 0;  // rows compared
  int64_t bytes = 0, parent_bytes = 0;
  std::optional<double> p50_ms, parent_p50_ms;  // interleaved single-row runs
  int latency_rounds = 0;
  // Ops whose count differs: op -> (parent count, variant count).
  std::map<std::string, std::pair<int64_t, int64_t>> op_diff;
};

// In the variant check's message when the parent's parity has not passed (the parity
// service re-checks such variants once it has).
inline constexpr const char* kParentNotPassed =
    "a variant is judged against a parity-passed parent";

// Agreement of `actual` (the variant) with `expected` (the parent), elementwise as doubles
// whatever the float dtypes: max abs/rel difference, cosine, and top-1/top-5 for rank 2.
// within: cosine and top-1 (and top-5 when set) reach the thresholds. Never fails: a shape
// disagreement is reported in `problem`.
TensorDiff AgreementDiff(const Tensor& expected, const Tensor& actual, const VariantThresholds& th);

// "cosine >= 0.99, top-1 >= 0.98": the thresholds as the report's messages say them.
std::string ThresholdText(const VariantThresholds& th);

// Runs parent and variant on the parent's reference inputs and on th.samples seeded inputs
// from the variant's input spec, and judges their agreement; fills `summary` (latency,
// sizes, op differences). Never fails: what cannot run is an "error" outcome.
CheckOutcome VariantCheck(InferenceEngine& engine, const ParityMaterial& m, const ParityConfig& c,
                          VariantSummary* summary);

}  // namespace mv::inference
