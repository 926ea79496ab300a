// The parity checks against an engine whose answers the test scripts: each check must
// pass on a faithful model and fail on the mistake it exists to catch.
#include "registry/inference/parity_checks.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <vector>

namespace mv::inference {
namespace {

Tensor Floats(const std::string& name, std::vector<float> v, std::vector<int64_t> shape) {
  Tensor t;
  t.name = name;
  t.dtype = DType::kFloat32;
  t.shape = std::move(shape);
  t.data.assign(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  return t;
}

std::vector<float> Values(const Tensor& t) {
  std::vector<float> v(t.data.size() / sizeof(float));
  std::memcpy(v.data(), t.data.data(), t.data.size());
  return v;
}

// y = f(x) elementwise unless the test swaps `fn`; x declared FP32 [batch, 2].
class ScriptedEngine : public InferenceEngine {
 public:
  using Fn = std::function<std::vector<Tensor>(const std::vector<Tensor>&, const RunOptions&)>;

  ScriptedEngine() {
    sig_.inputs = {TensorSpec{"x", DType::kFloat32, {-1, 2}, {"batch", ""}}};
    sig_.outputs = {TensorSpec{"y", DType::kFloat32, {-1, 2}, {"batch", ""}}};
    fn = [](const std::vector<Tensor>& in, const RunOptions&) {
      std::vector<float> v = Values(in[0]);
      for (float& x : v) x = 2 * x + 1;
      return std::vector<Tensor>{Floats("y", v, in[0].shape)};
    };
  }
  Result<ModelSignature> Signature(const ModelSource&) override { return sig_; }
  Result<std::vector<Tensor>> Run(const ModelSource&, const std::vector<Tensor>& inputs,
                                  const RunOptions& options) override {
    ++runs;
    if (!options.optimized) ++unoptimized_runs;
    return fn(inputs, options);
  }
  bool Loaded(const std::string&) const override { return true; }

  ModelSignature sig_;
  Fn fn;
  int runs = 0;
  int unoptimized_runs = 0;
};

const CheckOutcome& Check(const ParityResult& r, const std::string& name) {
  for (const CheckOutcome& c : r.checks) {
    if (c.name == name) return c;
  }
  static CheckOutcome none;
  ADD_FAILURE() << "no check " << name;
  return none;
}

ParityMaterial Material() {
  ParityMaterial m;
  m.onnx.key = "k";
  m.onnx.size = 1000;
  return m;
}

ParityConfig Config() {
  ParityConfig c;
  c.latency_runs = 5;
  return c;
}

ReferenceData Reference(float delta) {
  ReferenceData ref;
  ref.inputs = {Floats("x", {1, 2, 3, 4}, {2, 2})};
  ref.outputs = {Floats("y", {3, 5, 7, 9 + delta}, {2, 2})};
  return ref;
}

TEST(ParityChecks, FaithfulModelPassesEveryCheck) {
  ScriptedEngine engine;
  ParityMaterial m = Material();
  m.reference = Reference(0);
  m.torchscript = [](const std::vector<Tensor>& in) -> Result<std::vector<Tensor>> {
    std::vector<float> v = Values(in[0]);
    for (float& x : v) x = 2 * x + 1;
    return std::vector<Tensor>{Floats("output_0", v, in[0].shape)};
  };
  ParityResult r = RunParityChecks(engine, m, Config());
  EXPECT_EQ(r.status, "passed");
  EXPECT_EQ(Check(r, "reference").status, "passed");
  EXPECT_EQ(Check(r, "determinism").status, "passed");
  EXPECT_EQ(Check(r, "batch").status, "passed");
  EXPECT_EQ(Check(r, "batch").message, "a batch of 2 equals 2 single runs");
  EXPECT_EQ(Check(r, "torchscript").status, "passed");
  ASSERT_TRUE(r.latency);
  EXPECT_EQ(r.latency->runs, 5);
  EXPECT_LE(r.latency->p50_ms, r.latency->p99_ms);
  EXPECT_GT(engine.unoptimized_runs, 0);  // determinism ran the graph as written too
}

TEST(ParityChecks, ReferenceOutsideToleranceFailsAndAnOverrideAccepts) {
  ScriptedEngine engine;
  ParityMaterial m = Material();
  m.reference = Reference(1e-3f);
  ParityResult r = RunParityChecks(engine, m, Config());
  EXPECT_EQ(r.status, "failed");
  const CheckOutcome& ref = Check(r, "reference");
  EXPECT_EQ(ref.status, "failed");
  ASSERT_EQ(ref.diffs.size(), 1u);
  EXPECT_EQ(ref.diffs[0].mismatched, 1);
  EXPECT_NEAR(ref.diffs[0].max_abs, 1e-3, 1e-6);

  ParityConfig loose = Config();
  loose.tolerance.atol = 1e-2;
  EXPECT_EQ(RunParityChecks(engine, m, loose).status, "passed");
}

TEST(ParityChecks, ReferenceNamingAnOutputTheModelLacksFails) {
  ScriptedEngine engine;
  ParityMaterial m = Material();
  m.reference = Reference(0);
  m.reference->outputs[0].name = "logits";
  ParityResult r = RunParityChecks(engine, m, Config());
  const CheckOutcome& ref = Check(r, "reference");
  EXPECT_EQ(ref.status, "failed");
  EXPECT_EQ(ref.diffs[0].problem, "the model has no such output");
}

TEST(ParityChecks, TrainingModeDropoutFailsDeterminismOnlyWhenRunAsWritten) {
  ScriptedEngine engine;
  int calls = 0;
  // Like ONNX Runtime: its optimiser drops training-mode Dropout, the raw graph keeps it
  // (each raw run zeroes a different element).
  engine.fn = [&calls](const std::vector<Tensor>& in, const RunOptions& o) {
    std::vector<float> v = Values(in[0]);
    if (!o.optimized) v[static_cast<size_t>(calls++) % v.size()] = 0;
    return std::vector<Tensor>{Floats("y", v, in[0].shape)};
  };
  ParityResult r = RunParityChecks(engine, Material(), Config());
  const CheckOutcome& det = Check(r, "determinism");
  EXPECT_EQ(det.status, "failed");
  EXPECT_NE(det.message.find("as written"), std::string::npos) << det.message;
  EXPECT_EQ(r.status, "failed");
}

TEST(ParityChecks, BatchDependentOutputsFailTheBatchCheck) {
  ScriptedEngine engine;
  engine.fn = [](const std::vector<Tensor>& in, const RunOptions&) {
    std::vector<float> v = Values(in[0]);
    for (float& x : v) x += static_cast<float>(in[0].shape[0]);  // leaks the batch size
    return std::vector<Tensor>{Floats("y", v, in[0].shape)};
  };
  ParityResult r = RunParityChecks(engine, Material(), Config());
  const CheckOutcome& batch = Check(r, "batch");
  EXPECT_EQ(batch.status, "failed");
  EXPECT_NE(batch.message.find("a batch of 4 differs"), std::string::npos) << batch.message;
}

TEST(ParityChecks, FixedBatchIsSkippedWithAWarning) {
  ScriptedEngine engine;
  engine.sig_.inputs[0].shape = {1, 2};
  ParityResult r = RunParityChecks(engine, Material(), Config());
  const CheckOutcome& batch = Check(r, "batch");
  EXPECT_EQ(batch.status, "skipped");
  EXPECT_EQ(batch.message,
            "input \"x\" has a fixed batch dimension of 1 (exported without dynamic axes?)");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.status, "passed");
}

TEST(ParityChecks, TorchScriptDisagreementFailsAndItsErrorsAreReported) {
  ScriptedEngine engine;
  ParityMaterial m = Material();
  m.torchscript = [](const std::vector<Tensor>& in) -> Result<std::vector<Tensor>> {
    std::vector<float> v = Values(in[0]);
    for (float& x : v) x = x - 1;  // the other branch
    return std::vector<Tensor>{Floats("output_0", v, in[0].shape)};
  };
  ParityResult differ = RunParityChecks(engine, m, Config());
  EXPECT_EQ(Check(differ, "torchscript").status, "failed");
  m.torchscript = [](const std::vector<Tensor>&) -> Result<std::vector<Tensor>> {
    return Unavailable("worker killed by SIGKILL (CPU limit)");
  };
  ParityResult r = RunParityChecks(engine, m, Config());
  EXPECT_EQ(Check(r, "torchscript").status, "error");
  EXPECT_EQ(Check(r, "torchscript").message, "worker killed by SIGKILL (CPU limit)");
  EXPECT_EQ(r.status, "error");
}

TEST(ParityChecks, SizeGrowthAboveTheRatioWarns) {
  ScriptedEngine engine;
  ParityMaterial m = Material();
  m.previous_onnx_size = 600;  // 1000 / 600 = 1.67
  ParityResult r = RunParityChecks(engine, m, Config());
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("grew 1.66"), std::string::npos) << r.warnings[0];
  m.previous_onnx_size = 800;
  EXPECT_TRUE(RunParityChecks(engine, m, Config()).warnings.empty());
}

TEST(ParityChecks, SliceAndConcatRowsRoundTrip) {
  Tensor t = Floats("x", {1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor mid = SliceRows(t, 1, 1);
  EXPECT_EQ(mid.shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(Values(mid), (std::vector<float>{3, 4}));
  auto joined = ConcatRows({SliceRows(t, 0, 1), SliceRows(t, 1, 2)});
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->shape, t.shape);
  EXPECT_EQ(joined->data, t.data);
  EXPECT_FALSE(ConcatRows({t, Floats("x", {1, 2, 3}, {1, 3})}).ok());
}

}  // namespace
}  // namespace mv::inference
