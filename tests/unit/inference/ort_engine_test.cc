// OrtEngine on real ONNX files (tests/fixtures/formats and tests/fixtures/inference): the
// signature, exact outputs for every datatype, output selection, and the graph-as-written
// sessions that parity checks rely on.
#include "registry/inference/ort_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "registry/inference/float16.h"
#include "tests/unit/inference/ort_test_util.h"

namespace mv::inference {
namespace {

using test::Floats;
using test::MakeEngine;
using test::MakeTensor;
using test::ReadFixture;
using test::Source;
using test::ValuesOf;

const Tensor* Find(const std::vector<Tensor>& ts, const std::string& name) {
  for (const Tensor& t : ts) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

TEST(OrtEngineSignatureTest, DynamicBatchMlpHasSymbolicDim) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  ModelSource src = Source("mlp-dyn", ReadFixture("formats/mlp_dynamic_batch.onnx"));
  EXPECT_FALSE(engine->Loaded("mlp-dyn"));
  Result<ModelSignature> sig = engine->Signature(src);
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  ASSERT_EQ(sig->inputs.size(), 1u);
  EXPECT_EQ(sig->inputs[0].name, "x");
  EXPECT_EQ(sig->inputs[0].dtype, DType::kFloat32);
  EXPECT_EQ(sig->inputs[0].shape, (std::vector<int64_t>{-1, 4}));
  EXPECT_EQ(sig->inputs[0].dim_names, (std::vector<std::string>{"batch", ""}));
  ASSERT_EQ(sig->outputs.size(), 1u);
  EXPECT_EQ(sig->outputs[0].name, "y");
  EXPECT_EQ(sig->outputs[0].shape, (std::vector<int64_t>{-1, 3}));
  EXPECT_EQ(sig->outputs[0].dim_names, (std::vector<std::string>{"batch", ""}));
  EXPECT_TRUE(engine->Loaded("mlp-dyn"));
}

TEST(OrtEngineSignatureTest, FixedBatchMlpHasNoDynamicDim) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  Result<ModelSignature> sig =
      engine->Signature(Source("mlp-fixed", ReadFixture("formats/mlp_fixed_batch.onnx")));
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_EQ(sig->inputs[0].shape, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(sig->inputs[0].dim_names, (std::vector<std::string>{"", ""}));
}

TEST(OrtEngineRunTest, MlpGivesExactOutputsForABatch) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  // Small integers: every product and sum is exact in float, whatever order MLAS adds in.
  const std::vector<float> x = {1, 2, 3, 4, 0, 0, 0, -1, -5, 1, 2, 0};
  Result<std::vector<Tensor>> out =
      engine->Run(Source("mlp", ReadFixture("formats/mlp_dynamic_batch.onnx")),
                  {Floats("x", {3, 4}, x)}, RunOptions{});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].name, "y");
  EXPECT_EQ((*out)[0].dtype, DType::kFloat32);
  EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(ValuesOf<float>((*out)[0]), test::MlpExpected(x));
  EXPECT_EQ(test::MlpExpected(x)[0], 20.0f);  // 0*1 + 1*2 + 2*3 + 3*4
}

TEST(OrtEngineRunTest, EmptyBatchGivesEmptyOutput) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  Result<std::vector<Tensor>> out =
      engine->Run(Source("mlp", ReadFixture("formats/mlp_dynamic_batch.onnx")),
                  {Floats("x", {0, 4}, {})}, RunOptions{});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE((*out)[0].data.empty());
}

// One input per datatype with three elements of distinctive bytes; Identity must hand every
// byte (and every string, embedded NULs included) back unchanged.
std::vector<Tensor> EveryDtype() {
  std::vector<Tensor> in;
  auto add = [&](const char* dt, DType d, std::string bytes) {
    Tensor t;
    t.name = std::string("in_") + dt;
    t.dtype = d;
    t.shape = {3};
    t.data = std::move(bytes);
    in.push_back(std::move(t));
  };
  auto raw = [](auto... v) {
    std::string s;
    ((s.append(reinterpret_cast<const char*>(&v), sizeof(v))), ...);
    return s;
  };
  add("BOOL", DType::kBool, std::string("\x01\x00\x01", 3));
  add("INT8", DType::kInt8, raw(int8_t{-128}, int8_t{0}, int8_t{127}));
  add("INT16", DType::kInt16, raw(int16_t{-32768}, int16_t{1}, int16_t{32767}));
  add("INT32", DType::kInt32, raw(INT32_MIN, int32_t{-1}, INT32_MAX));
  add("INT64", DType::kInt64, raw(INT64_MIN, int64_t{42}, INT64_MAX));
  add("UINT8", DType::kUint8, raw(uint8_t{0}, uint8_t{128}, uint8_t{255}));
  add("UINT16", DType::kUint16, raw(uint16_t{0}, uint16_t{1}, uint16_t{65535}));
  add("UINT32", DType::kUint32, raw(uint32_t{0}, uint32_t{7}, UINT32_MAX));
  add("UINT64", DType::kUint64, raw(uint64_t{0}, uint64_t{1} << 63, UINT64_MAX));
  add("FP16", DType::kFloat16, raw(FloatToHalf(1.5f), FloatToHalf(-2.0f), FloatToHalf(65504)));
  add("BF16", DType::kBFloat16,
      raw(FloatToBFloat16(1.5f), FloatToBFloat16(-2.0f), FloatToBFloat16(3e38f)));
  add("FP32", DType::kFloat32, raw(1.25f, -0.0f, 3.4e38f));
  add("FP64", DType::kFloat64, raw(1e-300, -2.5, 1e300));
  add("BYTES", DType::kBytes, "");
  in.back().strings = {"", std::string("a\0b", 3), std::string(1000, 'z') + "\xc3\xbc"};
  return in;
}

TEST(OrtEngineDtypeTest, IdentityRoundTripsEveryDtype) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  ModelSource src = Source("identity", ReadFixture("inference/identity_all.onnx"));
  Result<ModelSignature> sig = engine->Signature(src);
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  ASSERT_EQ(sig->inputs.size(), 14u);
  const std::vector<Tensor> in = EveryDtype();
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(sig->inputs[i].name, in[i].name);
    EXPECT_EQ(sig->inputs[i].dtype, in[i].dtype) << in[i].name;
    EXPECT_EQ(sig->inputs[i].dim_names, std::vector<std::string>{"n"});
  }
  Result<std::vector<Tensor>> out = engine->Run(src, in, RunOptions{});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const Tensor& o = (*out)[i];
    const std::string dt = DTypeName(in[i].dtype);
    EXPECT_EQ(o.name, "out_" + dt);
    EXPECT_EQ(o.dtype, in[i].dtype) << dt;
    EXPECT_EQ(o.shape, std::vector<int64_t>{3}) << dt;
    EXPECT_EQ(o.data, in[i].data) << dt;
    EXPECT_EQ(o.strings, in[i].strings) << dt;
  }
}

TEST(OrtEngineDtypeTest, CastFromFloatToEveryDtype) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  const std::vector<float> x = {0.0f, 1.0f, 2.5f, 100.0f};
  Result<std::vector<Tensor>> out = engine->Run(
      Source("cast", ReadFixture("inference/cast_all.onnx")), {Floats("x", {4}, x)}, RunOptions{});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 13u);
  auto get = [&](const char* name) -> const Tensor& {
    const Tensor* t = Find(*out, std::string("to_") + name);
    EXPECT_NE(t, nullptr) << name;
    static const Tensor kNone;
    return t ? *t : kNone;
  };
  // Cast truncates toward zero and maps non-zero to true.
  EXPECT_EQ(ValuesOf<uint8_t>(get("BOOL")), (std::vector<uint8_t>{0, 1, 1, 1}));
  EXPECT_EQ(ValuesOf<int8_t>(get("INT8")), (std::vector<int8_t>{0, 1, 2, 100}));
  EXPECT_EQ(ValuesOf<int16_t>(get("INT16")), (std::vector<int16_t>{0, 1, 2, 100}));
  EXPECT_EQ(ValuesOf<int32_t>(get("INT32")), (std::vector<int32_t>{0, 1, 2, 100}));
  EXPECT_EQ(ValuesOf<int64_t>(get("INT64")), (std::vector<int64_t>{0, 1, 2, 100}));
  EXPECT_EQ(ValuesOf<uint8_t>(get("UINT8")), (std::vector<uint8_t>{0, 1, 2, 100}));
  EXPECT_EQ(ValuesOf<uint16_t>(get("UINT16")), (std::vector<uint16_t>{0, 1, 2, 100}));
  EXPECT_EQ(ValuesOf<uint32_t>(get("UINT32")), (std::vector<uint32_t>{0, 1, 2, 100}));
  EXPECT_EQ(ValuesOf<uint64_t>(get("UINT64")), (std::vector<uint64_t>{0, 1, 2, 100}));
  std::vector<uint16_t> half, bf16;
  for (float v : x) half.push_back(FloatToHalf(v));
  for (float v : x) bf16.push_back(FloatToBFloat16(v));
  EXPECT_EQ(ValuesOf<uint16_t>(get("FP16")), half);
  EXPECT_EQ(ValuesOf<uint16_t>(get("BF16")), bf16);
  EXPECT_EQ(ValuesOf<double>(get("FP64")), (std::vector<double>{0.0, 1.0, 2.5, 100.0}));
  EXPECT_EQ(get("BYTES").dtype, DType::kBytes);
  EXPECT_EQ(get("BYTES").strings, (std::vector<std::string>{"0", "1", "2.5", "100"}));
}

TEST(OrtEngineOutputsTest, SelectsOutputsByNameInRequestedOrder) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  ModelSource src = Source("two", ReadFixture("inference/two_outputs.onnx"));
  const std::vector<Tensor> in = {Floats("x", {3}, {1, -2, 3})};
  Result<std::vector<Tensor>> all = engine->Run(src, in, RunOptions{});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "twice");
  EXPECT_EQ(ValuesOf<float>((*all)[0]), (std::vector<float>{2, -4, 6}));
  EXPECT_EQ((*all)[1].name, "square");
  EXPECT_EQ(ValuesOf<float>((*all)[1]), (std::vector<float>{1, 4, 9}));

  RunOptions only;
  only.outputs = {"square"};
  Result<std::vector<Tensor>> one = engine->Run(src, in, only);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].name, "square");

  only.outputs = {"square", "twice"};
  Result<std::vector<Tensor>> both = engine->Run(src, in, only);
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[0].name, "square");
  EXPECT_EQ((*both)[1].name, "twice");
}

TEST(OrtEngineOutputsTest, UnknownOrRepeatedOutputIsInvalidArgument) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  ModelSource src = Source("two", ReadFixture("inference/two_outputs.onnx"));
  RunOptions opts;
  opts.outputs = {"cube"};
  Result<std::vector<Tensor>> r = engine->Run(src, {Floats("x", {3}, {1, 2, 3})}, opts);
  ASSERT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "unknown output \"cube\"; the model's outputs are \"twice\", \"square\"");
  opts.outputs = {"twice", "twice"};
  r = engine->Run(src, {Floats("x", {3}, {1, 2, 3})}, opts);
  ASSERT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "output \"twice\" requested twice");
}

TEST(OrtEngineOutputsTest, OutputsLargerThanTheLimitAreRefused) {
  OrtEngineOptions options;
  options.max_output_bytes = 3 * 3 * sizeof(float) - 1;
  auto engine = MakeEngine(options);
  ASSERT_NE(engine, nullptr);
  ModelSource src = Source("mlp", ReadFixture("formats/mlp_dynamic_batch.onnx"));
  Result<std::vector<Tensor>> r =
      engine->Run(src, {Floats("x", {3, 4}, std::vector<float>(12, 1))}, RunOptions{});
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted) << r.status().ToString();
  r = engine->Run(src, {Floats("x", {2, 4}, std::vector<float>(8, 1))}, RunOptions{});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

// Issue 5: ORT's optimiser deletes a training-mode Dropout (as torch exports it: after another
// node), so the served session is deterministic; only the graph as written shows the
// randomness a parity check must catch.
TEST(OrtEngineDropoutTest, OptimizedRemovesTrainingDropoutAndUnoptimizedKeepsIt) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  auto loads = std::make_shared<std::atomic<int>>(0);
  ModelSource src = Source("dropout", ReadFixture("inference/dropout_training.onnx"), loads);
  const std::vector<Tensor> in = {Floats("x", {2, 256}, std::vector<float>(512, 1.0f))};

  Result<std::vector<Tensor>> a = engine->Run(src, in, RunOptions{});
  Result<std::vector<Tensor>> b = engine->Run(src, in, RunOptions{});
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString() << b.status().ToString();
  EXPECT_EQ(ValuesOf<float>((*a)[0]), std::vector<float>(512, 2.0f));  // relu(x + 1)
  EXPECT_EQ((*a)[0].data, (*b)[0].data);
  EXPECT_EQ(loads->load(), 1);

  RunOptions as_written;
  as_written.optimized = false;
  Result<std::vector<Tensor>> c = engine->Run(src, in, as_written);
  Result<std::vector<Tensor>> d = engine->Run(src, in, as_written);
  ASSERT_TRUE(c.ok() && d.ok()) << c.status().ToString() << d.status().ToString();
  EXPECT_EQ(loads->load(), 3);  // one uncached session per graph-as-written run
  // Each element is dropped (0) or scaled by 1 / (1 - ratio): 2 * 2 = 4. Two independent
  // masks of 512 elements are practically never equal.
  for (const auto* r : {&c, &d}) {
    for (float v : ValuesOf<float>((**r)[0])) ASSERT_TRUE(v == 0.0f || v == 4.0f) << v;
  }
  EXPECT_NE((*c)[0].data, (*d)[0].data);
}

// What ORT 1.29 actually does with a Dropout that reads a graph input: the optimiser cannot
// rewire the input, keeps the node, and the optimised session is random too.
TEST(OrtEngineDropoutTest, DropoutOnAGraphInputStaysRandomWhenOptimized) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  ModelSource src = Source("dropout-in", ReadFixture("inference/dropout_on_input.onnx"));
  const std::vector<Tensor> in = {Floats("x", {256}, std::vector<float>(256, 1.0f))};
  Result<std::vector<Tensor>> a = engine->Run(src, in, RunOptions{});
  Result<std::vector<Tensor>> b = engine->Run(src, in, RunOptions{});
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString() << b.status().ToString();
  for (float v : ValuesOf<float>((*a)[0])) ASSERT_TRUE(v == 0.0f || v == 2.0f) << v;
  EXPECT_NE((*a)[0].data, (*b)[0].data);
}

TEST(OrtEngineSymbolicDimTest, SymbolicDimsMustAgreeAcrossInputs) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  ModelSource src = Source("add", ReadFixture("inference/batch_add.onnx"));
  Result<ModelSignature> sig = engine->Signature(src);
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_EQ(sig->inputs[0].shape, (std::vector<int64_t>{-1, 2}));
  EXPECT_EQ(sig->inputs[1].shape, (std::vector<int64_t>{-1, -1}));  // an unnamed dynamic dim
  EXPECT_EQ(sig->inputs[1].dim_names, (std::vector<std::string>{"batch", ""}));
  // Outputs are reported after ORT's shape inference: the declared ["batch", ?] became
  // ["batch", 2].
  EXPECT_EQ(sig->outputs[0].shape, (std::vector<int64_t>{-1, 2}));
  EXPECT_EQ(sig->outputs[0].dim_names, (std::vector<std::string>{"batch", ""}));

  Result<std::vector<Tensor>> ok = engine->Run(
      src, {Floats("a", {3, 2}, {1, 2, 3, 4, 5, 6}), Floats("b", {3, 2}, {6, 5, 4, 3, 2, 1})},
      RunOptions{});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ValuesOf<float>((*ok)[0]), std::vector<float>(6, 7.0f));

  Result<std::vector<Tensor>> bad =
      engine->Run(src, {Floats("a", {3, 2}, {1, 2, 3, 4, 5, 6}), Floats("b", {2, 2}, {1, 2, 3, 4})},
                  RunOptions{});
  ASSERT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "input \"b\": dim 0 (\"batch\") is 2, but it is 3 in input \"a\"");
}

// The warm-up run feeds zeros; Reshape then asks for a dim a rank-1 input lacks and fails.
// That must not cost the model: real requests still run.
TEST(OrtEngineRunTest, FailedWarmUpDoesNotFailTheModel) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  ModelSource src = Source("reshape", ReadFixture("inference/reshape.onnx"));
  ASSERT_TRUE(engine->Signature(src).ok());
  EXPECT_TRUE(engine->Loaded("reshape"));
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  Result<std::vector<Tensor>> out = engine->Run(
      src, {Floats("x", {6}, x), MakeTensor<int64_t>("shape", DType::kInt64, {2}, {2, 3})},
      RunOptions{});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(ValuesOf<float>((*out)[0]), x);
  // A runtime failure on a real request is Internal (the inputs matched the signature).
  out = engine->Run(src,
                    {Floats("x", {6}, x), MakeTensor<int64_t>("shape", DType::kInt64, {2}, {4, 4})},
                    RunOptions{});
  EXPECT_EQ(out.status().code(), Code::kInternal);
}

TEST(OrtEngineNonTensorTest, SequenceInputIsListedButNotRun) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  ModelSource src = Source("seq-in", ReadFixture("inference/sequence_in.onnx"));
  Result<ModelSignature> sig = engine->Signature(src);
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  ASSERT_EQ(sig->inputs.size(), 1u);
  EXPECT_EQ(sig->inputs[0].name, "xs");
  EXPECT_EQ(sig->inputs[0].dtype, DType::kFloat32);
  EXPECT_TRUE(sig->inputs[0].shape.empty());
  EXPECT_EQ(sig->outputs[0].dtype, DType::kInt64);
  Result<std::vector<Tensor>> r = engine->Run(src, {Floats("xs", {1}, {1})}, RunOptions{});
  ASSERT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "not supported: input \"xs\" is sequence<tensor(FP32)>; only tensor inputs can be "
            "run");
}

TEST(OrtEngineNonTensorTest, SequenceOutputRunsOnlyWhenNotSelected) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  ModelSource src = Source("seq-out", ReadFixture("inference/sequence_out.onnx"));
  const std::vector<Tensor> in = {Floats("x", {2}, {4, 5})};
  Result<std::vector<Tensor>> all = engine->Run(src, in, RunOptions{});
  ASSERT_EQ(all.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(all.status().message(),
            "not supported: output \"pair\" is sequence<tensor(FP32)>; request the tensor "
            "outputs by name");
  RunOptions opts;
  opts.outputs = {"y"};
  Result<std::vector<Tensor>> y = engine->Run(src, in, opts);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(ValuesOf<float>((*y)[0]), (std::vector<float>{4, 5}));
}

}  // namespace
}  // namespace mv::inference
