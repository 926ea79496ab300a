#include "registry/inference/variant_check.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "registry/inference/parity_checks.h"

namespace mv::inference {
namespace {

CheckOutcome Outcome(const std::string& status, const std::string& message) {
  return CheckOutcome{"variant", status, message, {}};
}

// Rank-2 agreement: the share of rows whose argmax agrees, and whose expected argmax is
// among the actual top min(5, classes).
void TopK(const Tensor& e, const Tensor& a, TensorDiff& d) {
  const int64_t rows = e.shape[0], cls = e.shape[1];
  if (rows == 0 || cls < 2) return;
  const int64_t k = std::min<int64_t>(5, cls);
  int64_t same = 0, within_k = 0;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t best_e = 0, best_a = 0;
    for (int64_t j = 1; j < cls; ++j) {
      if (ElementAsDouble(e, r * cls + j) > ElementAsDouble(e, r * cls + best_e)) best_e = j;
      if (ElementAsDouble(a, r * cls + j) > ElementAsDouble(a, r * cls + best_a)) best_a = j;
    }
    const double target = ElementAsDouble(a, r * cls + best_e);
    int64_t above = 0;
    for (int64_t j = 0; j < cls; ++j) above += ElementAsDouble(a, r * cls + j) > target;
    same += best_e == best_a;
    within_k += above < k;
  }
  d.top1 = static_cast<double>(same) / static_cast<double>(rows);
  d.top5 = static_cast<double>(within_k) / static_cast<double>(rows);
  d.mismatched = rows - same;
}

std::string Fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Outputs of one run, by name.
using Named = std::map<std::string, Tensor>;

// Scalars become one row so that runs can be stacked.
Tensor AsRows(Tensor t) {
  if (t.shape.empty()) t.shape = {1};
  return t;
}

// The seeded inputs: one batch of th.samples rows when every input has a dynamic first
// dimension, else th.samples single runs with consecutive seeds.
Result<std::vector<std::vector<Tensor>>> SeededInputs(const ModelSignature& sig,
                                                      const ParityConfig& c) {
  bool batchable = !sig.inputs.empty();
  for (const TensorSpec& s : sig.inputs) batchable &= !s.shape.empty() && s.shape[0] < 0;
  std::vector<std::vector<Tensor>> sets;
  const int64_t runs = batchable ? 1 : c.variant.samples;
  for (int64_t i = 0; i < runs; ++i) {
    InputPlan plan = c.inputs;
    plan.seed = c.inputs.seed + static_cast<uint64_t>(i);
    if (batchable) {
      plan.batch = c.variant.samples;
      for (auto& [name, shape] : plan.shapes) {
        if (!shape.empty()) shape[0] = c.variant.samples;
      }
    }
    ASSIGN_OR_RETURN(std::vector<Tensor> set, GenerateInputs(sig, plan));
    sets.push_back(std::move(set));
  }
  return sets;
}

Result<Named> RunNamed(InferenceEngine& engine, const ModelSource& model,
                       const std::vector<Tensor>& inputs) {
  ASSIGN_OR_RETURN(std::vector<Tensor> out, engine.Run(model, inputs, RunOptions{}));
  Named named;
  for (Tensor& t : out) named[t.name] = AsRows(std::move(t));
  return named;
}

// Runs both models on every input set and stacks each output's rows: {parent, variant}.
Result<std::map<std::string, std::pair<Tensor, Tensor>>> RunBoth(
    InferenceEngine& engine, const ParityMaterial& m,
    const std::vector<std::vector<Tensor>>& sets) {
  std::map<std::string, std::pair<std::vector<Tensor>, std::vector<Tensor>>> parts;
  for (const std::vector<Tensor>& set : sets) {
    ASSIGN_OR_RETURN(Named parent, RunNamed(engine, m.parent->onnx, set));
    ASSIGN_OR_RETURN(Named variant, RunNamed(engine, m.onnx, set));
    for (auto& [name, t] : parent) {
      auto it = variant.find(name);
      if (it == variant.end()) {
        return InvalidArgument("the variant has no output \"" + name + "\" of its parent");
      }
      parts[name].first.push_back(std::move(t));
      parts[name].second.push_back(std::move(it->second));
    }
  }
  std::map<std::string, std::pair<Tensor, Tensor>> stacked;
  for (auto& [name, p] : parts) {
    ASSIGN_OR_RETURN(Tensor parent, ConcatRows(p.first));
    ASSIGN_OR_RETURN(Tensor variant, ConcatRows(p.second));
    stacked[name] = {std::move(parent), std::move(variant)};
  }
  return stacked;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Single-row runs of parent and variant on the same inputs, in alternating order per round
// so that neither always runs on a warmer cache.
void MeasureLatency(InferenceEngine& engine, const ParityMaterial& m, const ParityConfig& c,
                    const ModelSignature& sig, VariantSummary* s) {
  InputPlan plan = c.inputs;
  plan.batch = 1;
  auto inputs = GenerateInputs(sig, plan);
  if (!inputs.ok() || c.variant.latency_rounds <= 0) return;
  std::vector<double> parent_ms, variant_ms;
  auto time_one = [&](const ModelSource& model, std::vector<double>& into) {
    const auto t0 = std::chrono::steady_clock::now();
    const bool ok = engine.Run(model, *inputs, RunOptions{}).ok();
    into.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    return ok;
  };
  for (int r = 0; r < c.variant.latency_rounds; ++r) {
    const bool parent_first = r % 2 == 0;
    if (!time_one(parent_first ? m.parent->onnx : m.onnx, parent_first ? parent_ms : variant_ms) ||
        !time_one(parent_first ? m.onnx : m.parent->onnx, parent_first ? variant_ms : parent_ms)) {
      return;
    }
  }
  s->latency_rounds = c.variant.latency_rounds;
  s->parent_p50_ms = Median(parent_ms);
  s->p50_ms = Median(variant_ms);
}

void Describe(const ParityMaterial& m, VariantSummary* s) {
  const VariantParent& p = *m.parent;
  s->parent_model = p.model;
  s->parent_version = p.version;
  s->relation = p.relation;
  s->bytes = m.onnx.size;
  s->parent_bytes = p.onnx.size;
  std::map<std::string, std::pair<int64_t, int64_t>> all;
  for (const auto& [op, n] : p.ops) all[op].first = n;
  for (const auto& [op, n] : m.ops) all[op].second = n;
  for (const auto& [op, counts] : all) {
    if (counts.first != counts.second) s->op_diff[op] = counts;
  }
}

}  // namespace

std::string ThresholdText(const VariantThresholds& th) {
  std::string s = "cosine >= " + Fixed(th.cosine) + ", top-1 agreement >= " + Fixed(th.top1);
  if (th.top5) s += ", top-5 agreement >= " + Fixed(*th.top5);
  return s;
}

TensorDiff AgreementDiff(const Tensor& expected, const Tensor& actual,
                         const VariantThresholds& th) {
  TensorDiff d;
  d.name = expected.name;
  if (!IsFloating(expected.dtype) || !IsFloating(actual.dtype)) {
    d.problem = std::string("agreement is measured on float outputs, not ") +
                DTypeName(expected.dtype) + " and " + DTypeName(actual.dtype);
    return d;
  }
  const auto n = expected.ElementCount();
  if (expected.shape != actual.shape || !n ||
      expected.data.size() != static_cast<size_t>(*n) * DTypeSize(expected.dtype) ||
      actual.data.size() != static_cast<size_t>(*n) * DTypeSize(actual.dtype)) {
    d.problem = "the variant's output has another shape than its parent's";
    return d;
  }
  d.elements = *n;
  double dot = 0, ee = 0, aa = 0;
  bool nan_disagrees = false;
  for (int64_t i = 0; i < d.elements; ++i) {
    const double x = ElementAsDouble(expected, i), y = ElementAsDouble(actual, i);
    if (std::isnan(x) || std::isnan(y)) {
      nan_disagrees |= std::isnan(x) != std::isnan(y);
      continue;
    }
    const double diff = std::fabs(y - x);
    d.max_abs = std::max(d.max_abs, diff);
    if (x != 0) d.max_rel = std::max(d.max_rel, diff / std::fabs(x));
    dot += x * y;
    ee += x * x;
    aa += y * y;
  }
  d.cosine = ee == 0 && aa == 0 ? 1.0 : (ee == 0 || aa == 0) ? 0.0 : dot / std::sqrt(ee * aa);
  if (expected.shape.size() == 2) TopK(expected, actual, d);
  d.within = !nan_disagrees && std::isfinite(*d.cosine) && *d.cosine >= th.cosine &&
             (!d.top1 || *d.top1 >= th.top1) && (!d.top5 || !th.top5 || *d.top5 >= *th.top5);
  return d;
}

CheckOutcome VariantCheck(InferenceEngine& engine, const ParityMaterial& m, const ParityConfig& c,
                          VariantSummary* summary) {
  Describe(m, summary);
  const VariantParent& p = *m.parent;
  const std::string parent = p.model + " version " + std::to_string(p.version);
  if (p.parity != "passed") {
    return Outcome(
        "error", "the parent " + parent + " has parity \"" + p.parity + "\": " + kParentNotPassed);
  }
  auto sig = engine.Signature(m.onnx);
  if (!sig.ok()) return Outcome("error", sig.status().message());
  auto sets = SeededInputs(*sig, c);
  if (!sets.ok()) return Outcome("error", sets.status().message());
  if (!p.reference_inputs.empty()) sets->insert(sets->begin(), p.reference_inputs);
  auto stacked = RunBoth(engine, m, *sets);
  if (!stacked.ok()) return Outcome("error", stacked.status().message());
  CheckOutcome out = Outcome("passed", "");
  int failed = 0;
  for (const auto& [name, both] : *stacked) {
    TensorDiff d = AgreementDiff(both.first, both.second, c.variant);
    failed += !d.within;
    summary->samples = std::max<int64_t>(summary->samples, both.first.shape[0]);
    out.diffs.push_back(std::move(d));
  }
  MeasureLatency(engine, m, c, *sig, summary);
  const std::string rows = std::to_string(summary->samples) + " rows";
  if (failed) {
    out.status = "failed";
    out.message = std::to_string(failed) + " of " + std::to_string(out.diffs.size()) +
                  " outputs disagree with the parent " + parent + " on " + rows + " (needs " +
                  ThresholdText(c.variant) + ")";
  } else {
    out.message = "all " + std::to_string(out.diffs.size()) + " outputs agree with the parent " +
                  parent + " on " + rows + " (" + ThresholdText(c.variant) + ")";
  }
  return out;
}

}  // namespace mv::inference
