#include "registry/inference/parity_checks.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

namespace mv::inference {
namespace {

CheckOutcome Outcome(const std::string& name, const std::string& status,
                     const std::string& message) {
  return CheckOutcome{name, status, message, {}};
}

std::string ToleranceText(const Tolerance& tol) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "atol %g, rtol %g", tol.atol, tol.rtol);
  return buf;
}

// For a variant, the agreement thresholds that replace the float tolerance in the checks
// that cannot expect exact agreement; null otherwise.
const VariantThresholds* Agreement(const ParityMaterial& m, const ParityConfig& c) {
  return m.parent ? &c.variant : nullptr;
}

// Compares `actual` with `expected` output by output (by name when the expected tensors
// are named, else by position), within `tol` or, when `agreement` is set, by agreement.
// Fills diffs; passed when every expected output is within.
CheckOutcome CompareOutputs(const std::string& check, const std::vector<Tensor>& expected,
                            const std::vector<Tensor>& actual, const Tolerance& tol,
                            bool by_name, const VariantThresholds* agreement = nullptr) {
  CheckOutcome out = Outcome(check, "passed", "");
  int failed = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const Tensor* got = nullptr;
    if (by_name) {
      for (const Tensor& a : actual) {
        if (a.name == expected[i].name) got = &a;
      }
    } else if (i < actual.size()) {
      got = &actual[i];
    }
    TensorDiff d;
    if (!got) {
      d.name = expected[i].name;
      d.problem = "the model has no such output";
    } else {
      d = agreement ? AgreementDiff(expected[i], *got, *agreement)
                    : CompareTensors(expected[i], *got, tol);
      if (!by_name) d.name = got->name;
    }
    if (!d.within) ++failed;
    out.diffs.push_back(std::move(d));
  }
  const std::string bound = agreement ? ThresholdText(*agreement) : ToleranceText(tol);
  if (failed) {
    out.status = "failed";
    out.message = std::to_string(failed) + " of " + std::to_string(expected.size()) +
                  " outputs differ beyond " + bound;
  } else {
    out.message = "all " + std::to_string(expected.size()) + " outputs within " + bound;
  }
  return out;
}

Result<std::vector<Tensor>> CheckInputs(InferenceEngine& engine, const ParityMaterial& m,
                                        const ParityConfig& c) {
  if (m.reference && !m.reference->inputs.empty()) return m.reference->inputs;
  ASSIGN_OR_RETURN(ModelSignature sig, engine.Signature(m.onnx));
  return GenerateInputs(sig, c.inputs);
}

CheckOutcome ReferenceCheck(InferenceEngine& engine, const ParityMaterial& m,
                            const ParityConfig& c) {
  if (!m.reference) return Outcome("reference", "skipped", "no reference.safetensors/.npz");
  if (m.reference->outputs.empty()) {
    return Outcome("reference", "error", "the reference data holds no output.<name> tensors");
  }
  auto got = engine.Run(m.onnx, m.reference->inputs, RunOptions{});
  if (!got.ok()) return Outcome("reference", "error", got.status().message());
  return CompareOutputs("reference", m.reference->outputs, *got, c.tolerance, true,
                        Agreement(m, c));
}

// Two runs on the same input must agree exactly, with the runtime's optimisations and on
// the graph as written (optimisers drop training-mode Dropout, other runtimes may not).
CheckOutcome DeterminismCheck(InferenceEngine& engine, const ParityMaterial& m,
                              const ParityConfig& c) {
  auto inputs = CheckInputs(engine, m, c);
  if (!inputs.ok()) return Outcome("determinism", "error", inputs.status().message());
  const Tolerance exact{0, 0};
  for (bool optimized : {true, false}) {
    RunOptions opts;
    opts.optimized = optimized;
    auto first = engine.Run(m.onnx, *inputs, opts);
    auto second = first.ok() ? engine.Run(m.onnx, *inputs, opts) : first;
    if (!second.ok()) return Outcome("determinism", "error", second.status().message());
    CheckOutcome o = CompareOutputs("determinism", *first, *second, exact, true);
    if (o.status != "passed") {
      o.message = std::string("two runs on the same input differ") +
                  (optimized ? "" : " when the graph runs as written (no optimisation)") +
                  ": is the export in training mode (Dropout, BatchNormalization)?";
      return o;
    }
  }
  return Outcome("determinism", "passed", "identical outputs on repeated runs, optimised "
                                          "and as written");
}

std::string BatchSkipReason(const ModelSignature& sig) {
  for (const TensorSpec& s : sig.inputs) {
    if (s.shape.empty()) return "input \"" + s.name + "\" is a scalar: no batch axis";
    if (s.shape[0] >= 0) {
      return "input \"" + s.name + "\" has a fixed batch dimension of " +
             std::to_string(s.shape[0]) + " (exported without dynamic axes?)";
    }
  }
  return "";
}

Result<CheckOutcome> BatchCompare(InferenceEngine& engine, const ParityMaterial& m,
                                  const ParityConfig& c, const std::vector<Tensor>& batch) {
  const int64_t n = batch.front().shape[0];
  ASSIGN_OR_RETURN(std::vector<Tensor> together, engine.Run(m.onnx, batch, RunOptions{}));
  std::vector<std::vector<Tensor>> rows(together.size());
  for (int64_t r = 0; r < n; ++r) {
    std::vector<Tensor> one;
    for (const Tensor& t : batch) one.push_back(SliceRows(t, r, 1));
    ASSIGN_OR_RETURN(std::vector<Tensor> single, engine.Run(m.onnx, one, RunOptions{}));
    if (single.size() != together.size()) return Internal("output count changed with batch");
    for (size_t o = 0; o < single.size(); ++o) rows[o].push_back(std::move(single[o]));
  }
  std::vector<Tensor> separate;
  for (auto& parts : rows) {
    ASSIGN_OR_RETURN(Tensor joined, ConcatRows(parts));
    separate.push_back(std::move(joined));
  }
  CheckOutcome o =
      CompareOutputs("batch", together, separate, c.tolerance, true, Agreement(m, c));
  o.message = o.status == "passed"
                  ? "a batch of " + std::to_string(n) + " equals " + std::to_string(n) +
                        " single runs"
                  : "a batch of " + std::to_string(n) + " differs from single runs: " + o.message;
  return o;
}

CheckOutcome BatchCheck(InferenceEngine& engine, const ParityMaterial& m, const ParityConfig& c) {
  auto sig = engine.Signature(m.onnx);
  if (!sig.ok()) return Outcome("batch", "error", sig.status().message());
  if (sig->inputs.empty()) return Outcome("batch", "skipped", "the model takes no inputs");
  std::string reason = BatchSkipReason(*sig);
  if (!reason.empty()) return Outcome("batch", "skipped", reason);
  std::vector<Tensor> batch;
  if (m.reference && !m.reference->inputs.empty() && !m.reference->inputs[0].shape.empty() &&
      m.reference->inputs[0].shape[0] > 1) {
    batch = m.reference->inputs;
  } else {
    InputPlan plan = c.inputs;
    plan.batch = c.batch_check_size;
    plan.shapes.clear();  // overrides fix the batch; keep their other dims below
    for (const auto& [name, shape] : c.inputs.shapes) {
      std::vector<int64_t> s = shape;
      if (!s.empty()) s[0] = c.batch_check_size;
      plan.shapes[name] = s;
    }
    auto gen = GenerateInputs(*sig, plan);
    if (!gen.ok()) return Outcome("batch", "error", gen.status().message());
    batch = std::move(*gen);
  }
  auto o = BatchCompare(engine, m, c, batch);
  return o.ok() ? *o : Outcome("batch", "error", o.status().message());
}

CheckOutcome TorchScriptCheck(InferenceEngine& engine, const ParityMaterial& m,
                              const ParityConfig& c) {
  if (!m.torchscript) {
    return Outcome("torchscript", "skipped",
                   m.torchscript_unavailable.empty() ? "no TorchScript artifact"
                                                     : m.torchscript_unavailable);
  }
  auto inputs = CheckInputs(engine, m, c);
  if (!inputs.ok()) return Outcome("torchscript", "error", inputs.status().message());
  auto onnx = engine.Run(m.onnx, *inputs, RunOptions{});
  if (!onnx.ok()) return Outcome("torchscript", "error", onnx.status().message());
  auto torch = m.torchscript(*inputs);
  if (!torch.ok()) return Outcome("torchscript", "error", torch.status().message());
  if (torch->size() != onnx->size()) {
    return Outcome("torchscript", "failed",
                   "TorchScript returned " + std::to_string(torch->size()) +
                       " outputs, ONNX " + std::to_string(onnx->size()));
  }
  CheckOutcome o =
      CompareOutputs("torchscript", *torch, *onnx, c.tolerance, false, Agreement(m, c));
  if (o.status == "passed") o.message = "TorchScript and ONNX agree on the same inputs";
  return o;
}

std::optional<LatencyStats> MeasureLatency(InferenceEngine& engine, const ParityMaterial& m,
                                           const ParityConfig& c) {
  InputPlan plan = c.inputs;
  plan.batch = 1;
  auto sig = engine.Signature(m.onnx);
  if (!sig.ok() || c.latency_runs <= 0) return std::nullopt;
  auto inputs = GenerateInputs(*sig, plan);
  if (!inputs.ok()) return std::nullopt;
  std::vector<double> ms;
  for (int i = 0; i < c.latency_runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    if (!engine.Run(m.onnx, *inputs, RunOptions{}).ok()) return std::nullopt;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  LatencyStats s;
  s.runs = static_cast<int>(ms.size());
  s.mean_ms = std::accumulate(ms.begin(), ms.end(), 0.0) / ms.size();
  s.p50_ms = ms[ms.size() / 2];
  s.p99_ms = ms[std::min(ms.size() - 1, (ms.size() * 99) / 100)];
  return s;
}

}  // namespace

Tensor SliceRows(const Tensor& t, int64_t begin, int64_t count) {
  Tensor out;
  out.name = t.name;
  out.dtype = t.dtype;
  out.shape = t.shape;
  out.shape[0] = count;
  const int64_t rows = t.shape[0];
  if (t.dtype == DType::kBytes) {
    const int64_t per = rows ? static_cast<int64_t>(t.strings.size()) / rows : 0;
    out.strings.assign(t.strings.begin() + begin * per, t.strings.begin() + (begin + count) * per);
  } else {
    const int64_t per = rows ? static_cast<int64_t>(t.data.size()) / rows : 0;
    out.data = t.data.substr(begin * per, count * per);
  }
  return out;
}

Result<Tensor> ConcatRows(const std::vector<Tensor>& parts) {
  if (parts.empty()) return InvalidArgument("nothing to concatenate");
  Tensor out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    const Tensor& p = parts[i];
    if (p.dtype != out.dtype || p.shape.size() != out.shape.size() || p.shape.empty() ||
        !std::equal(p.shape.begin() + 1, p.shape.end(), out.shape.begin() + 1)) {
      return InvalidArgument("output \"" + p.name + "\" changes shape between single runs");
    }
    out.shape[0] += p.shape[0];
    out.data += p.data;
    out.strings.insert(out.strings.end(), p.strings.begin(), p.strings.end());
  }
  return out;
}

ParityResult RunParityChecks(InferenceEngine& engine, const ParityMaterial& m,
                             const ParityConfig& c) {
  ParityResult r;
  r.onnx_size = m.onnx.size;
  r.previous_onnx_size = m.previous_onnx_size;
  r.checks.push_back(ReferenceCheck(engine, m, c));
  r.checks.push_back(DeterminismCheck(engine, m, c));
  r.checks.push_back(BatchCheck(engine, m, c));
  r.checks.push_back(TorchScriptCheck(engine, m, c));
  if (m.parent) {
    r.variant.emplace();
    r.checks.push_back(VariantCheck(engine, m, c, &*r.variant));
  }
  r.latency = MeasureLatency(engine, m, c);
  if (m.previous_onnx_size && *m.previous_onnx_size > 0 &&
      m.onnx.size > c.size_warning_ratio * static_cast<double>(*m.previous_onnx_size)) {
    r.warnings.push_back("the ONNX artifact grew " +
                         std::to_string(static_cast<double>(m.onnx.size) /
                                        static_cast<double>(*m.previous_onnx_size)) +
                         "x against the previous version");
  }
  for (const CheckOutcome& o : r.checks) {
    if (o.name == "batch" && o.status == "skipped" && o.message.find("fixed batch") !=
                                                           std::string::npos) {
      r.warnings.push_back(o.message);
    }
  }
  bool failed = false, error = false;
  for (const CheckOutcome& o : r.checks) {
    failed |= o.status == "failed";
    error |= o.status == "error";
  }
  r.status = failed ? "failed" : error ? "error" : "passed";
  return r;
}

}  // namespace mv::inference
