// The parity checks of one version: does the served ONNX model answer what the training
// framework answered? Runs against the InferenceEngine interface, so it is testable with
// any engine; the TorchScript side is a callback (the worker process in the server).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "registry/inference/input_gen.h"
#include "registry/inference/tensor_compare.h"
#include "registry/inference/variant_check.h"
#include "registry/inference_engine.h"
#include "util/status.h"

namespace mv::inference {

// Reference data as uploaded: inputs "input.<name>", outputs "output.<name>" (prefixes
// already stripped here).
struct ReferenceData {
  std::vector<Tensor> inputs;
  std::vector<Tensor> outputs;
};

// Runs the version's TorchScript artifact on inputs; outputs in the module's order.
using TorchScriptRun = std::function<Result<std::vector<Tensor>>(const std::vector<Tensor>&)>;

struct ParityConfig {
  Tolerance tolerance;          // meta.parity.atol / rtol
  InputPlan inputs;             // meta.parity.shapes, seed
  int64_t batch_check_size = 4;  // N in "a batch of N equals N single runs"
  int latency_runs = 30;
  double size_warning_ratio = 1.5;
  VariantThresholds variant;  // meta.parity.variant; used when the version is a variant
};

struct ParityMaterial {
  ModelSource onnx;
  std::optional<ReferenceData> reference;
  TorchScriptRun torchscript;  // empty when the version holds no TorchScript artifact
  std::string torchscript_unavailable;  // why a TorchScript artifact cannot be run, if so
  std::optional<int64_t> previous_onnx_size;  // the previous version's ONNX artifact
  // Set when the version is a variant: its quantized-from / converted-from parent. Then the
  // variant check runs, and the checks that cannot expect exact agreement (reference,
  // batch, torchscript) are judged by config.variant instead of the float tolerance.
  std::optional<VariantParent> parent;
  std::map<std::string, int64_t> ops;  // the version's op histogram (its inspection)
};

struct CheckOutcome {
  std::string name;    // reference, determinism, batch, torchscript, variant
  std::string status;  // passed, failed, skipped, error
  std::string message;
  std::vector<TensorDiff> diffs;
};

struct LatencyStats {
  int runs = 0;
  double mean_ms = 0, p50_ms = 0, p99_ms = 0;
};

struct ParityResult {
  std::string status;  // passed, failed, error
  std::vector<CheckOutcome> checks;
  std::optional<LatencyStats> latency;
  int64_t onnx_size = 0;
  std::optional<int64_t> previous_onnx_size;
  std::vector<std::string> warnings;
  std::optional<VariantSummary> variant;  // set for a variant
};

// Runs every check that applies. Never fails as a whole: a check that cannot run reports
// "error" with the reason. Thread-safe as far as the engine and callback are.
ParityResult RunParityChecks(InferenceEngine& engine, const ParityMaterial& material,
                             const ParityConfig& config);

// Rows [begin, begin + count) of `t` along dimension 0. `t` must have rank >= 1 and data
// consistent with its shape.
Tensor SliceRows(const Tensor& t, int64_t begin, int64_t count);
// Concatenates tensors along dimension 0. All must share dtype and trailing dims.
Result<Tensor> ConcatRows(const std::vector<Tensor>& parts);

}  // namespace mv::inference
