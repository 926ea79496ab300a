// OrtEngine's answers to bad requests and bad models: InvalidArgument naming the input and
// what was expected, never a crash or an ONNX Runtime exception.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "registry/inference/ort_engine.h"
#include "tests/unit/inference/ort_test_util.h"

namespace mv::inference {
namespace {

using test::Floats;
using test::MakeEngine;
using test::MakeTensor;
using test::ReadFixture;
using test::Source;

class OrtEngineErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = MakeEngine();
    ASSERT_NE(engine_, nullptr);
  }

  Status RunMlp(const char* fixture, std::vector<Tensor> inputs) {
    return engine_
        ->Run(Source(fixture, ReadFixture(std::string("formats/") + fixture)), inputs, RunOptions{})
        .status();
  }

  std::unique_ptr<OrtEngine> engine_;
};

TEST_F(OrtEngineErrorsTest, WrongDtypeNamesInputAndExpectation) {
  Status s = RunMlp("mlp_dynamic_batch.onnx",
                    {MakeTensor<double>("x", DType::kFloat64, {2, 4}, std::vector<double>(8))});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "input \"x\": expected FP32 [-1,4], got FP64 [2,4]");
}

TEST_F(OrtEngineErrorsTest, WrongRank) {
  Status s = RunMlp("mlp_dynamic_batch.onnx", {Floats("x", {4}, {1, 2, 3, 4})});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "input \"x\": expected FP32 [-1,4], got FP32 [4]");
}

TEST_F(OrtEngineErrorsTest, WrongFixedDim) {
  Status s = RunMlp("mlp_fixed_batch.onnx", {Floats("x", {2, 4}, std::vector<float>(8))});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "input \"x\": expected FP32 [1,4], got FP32 [2,4]");
  s = RunMlp("mlp_dynamic_batch.onnx", {Floats("x", {2, 5}, std::vector<float>(10))});
  EXPECT_EQ(s.message(), "input \"x\": expected FP32 [-1,4], got FP32 [2,5]");
}

TEST_F(OrtEngineErrorsTest, UnknownMissingAndRepeatedInputs) {
  Status s = RunMlp("mlp_dynamic_batch.onnx", {Floats("z", {1, 4}, std::vector<float>(4))});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "unknown input \"z\"; the model's inputs are \"x\"");
  s = RunMlp("mlp_dynamic_batch.onnx", {});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "missing input \"x\": expected FP32 [-1,4]");
  s = RunMlp("mlp_dynamic_batch.onnx",
             {Floats("x", {1, 4}, std::vector<float>(4)), Floats("x", {1, 4}, {1, 2, 3, 4})});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "input \"x\" given twice");
}

TEST_F(OrtEngineErrorsTest, DataMustMatchTheShape) {
  Tensor x = Floats("x", {2, 4}, std::vector<float>(8));
  x.data.pop_back();
  Status s = RunMlp("mlp_dynamic_batch.onnx", {x});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "input \"x\": FP32 [2,4] needs 8 x 4 bytes of data, got 31");
  x = Floats("x", {-2, 4}, std::vector<float>(8));
  s = RunMlp("mlp_dynamic_batch.onnx", {x});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "input \"x\": shape [-2,4] has a negative dim or too many elements");
  // 2^62 * 4 elements overflow int64: refused before anything is allocated.
  x = Floats("x", {int64_t{1} << 62, 4}, {});
  s = RunMlp("mlp_dynamic_batch.onnx", {x});
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
}

TEST_F(OrtEngineErrorsTest, BoolsAndStringsAreChecked) {
  ModelSource src = Source("identity", ReadFixture("inference/identity_all.onnx"));
  Result<ModelSignature> sig = engine_->Signature(src);
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  std::vector<Tensor> in;
  for (const TensorSpec& spec : sig->inputs) {
    Tensor t;
    t.name = spec.name;
    t.dtype = spec.dtype;
    t.shape = {1};
    if (spec.dtype == DType::kBytes) {
      t.strings = {"s"};
    } else {
      t.data.assign(DTypeSize(spec.dtype), '\0');
    }
    in.push_back(std::move(t));
  }
  ASSERT_TRUE(engine_->Run(src, in, RunOptions{}).ok());
  std::vector<Tensor> bad_bool = in;
  bad_bool[0].data = "\x02";
  Status s = engine_->Run(src, bad_bool, RunOptions{}).status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "input \"in_BOOL\": BOOL elements must be bytes 0 or 1");
  std::vector<Tensor> bad_strings = in;
  bad_strings.back().strings.push_back("extra");
  s = engine_->Run(src, bad_strings, RunOptions{}).status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "input \"in_BYTES\": BYTES [1] needs 1 strings, got 2");
}

TEST_F(OrtEngineErrorsTest, GarbageBytesAreNotAModelAndAreNotCached) {
  auto loads = std::make_shared<std::atomic<int>>(0);
  ModelSource src = Source("garbage", "this is not an ONNX model \x01\x02\x03", loads);
  Result<ModelSignature> sig = engine_->Signature(src);
  ASSERT_EQ(sig.status().code(), Code::kInvalidArgument);
  EXPECT_NE(sig.status().message().find("ONNX Runtime cannot load the model"), std::string::npos)
      << sig.status().message();
  EXPECT_FALSE(engine_->Loaded("garbage"));
  EXPECT_EQ(engine_->Run(src, {}, RunOptions{}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(loads->load(), 2);  // a failed load is retried, not remembered
  EXPECT_EQ(engine_->CachedSessions(), 0u);

  RunOptions as_written;
  as_written.optimized = false;
  EXPECT_EQ(engine_->Run(src, {}, as_written).status().code(), Code::kInvalidArgument);
}

TEST_F(OrtEngineErrorsTest, TruncatedModelIsInvalidArgument) {
  std::string bytes = ReadFixture("formats/mlp_dynamic_batch.onnx");
  bytes.resize(bytes.size() / 2);
  EXPECT_EQ(engine_->Signature(Source("half", bytes)).status().code(), Code::kInvalidArgument);
}

TEST_F(OrtEngineErrorsTest, EmptyModelAndFailingLoaderAreReported) {
  EXPECT_EQ(engine_->Signature(Source("empty", "")).status().code(), Code::kInvalidArgument);
  ModelSource missing;
  missing.key = "missing";
  missing.load = []() -> Result<std::string> { return NotFound("blob gone"); };
  Status s = engine_->Signature(missing).status();
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "blob gone");
  ModelSource no_key = Source("", ReadFixture("formats/mlp_dynamic_batch.onnx"));
  EXPECT_EQ(engine_->Signature(no_key).status().code(), Code::kInvalidArgument);
}

// A model is bytes from the blob store: its external-data paths must never be opened.
TEST_F(OrtEngineErrorsTest, ExternalDataIsRefused) {
  for (const char* fixture : {"external_absolute.onnx", "external_parent.onnx"}) {
    Status s = engine_->Signature(Source(fixture, ReadFixture(std::string("inference/") + fixture)))
                   .status();
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << fixture << ": " << s.ToString();
  }
}

// External data handed over in memory (as the registry reads it from the version's
// artifacts) is used under the location's name. A file too short, or none under the name,
// is refused with ONNX Runtime's message, and a file of that name in the working directory
// is never read.
TEST_F(OrtEngineErrorsTest, ExternalDataComesFromMemoryOnly) {
  const std::vector<float> w = {10, 20, 30, 40};
  auto with = [](std::string key, std::string location, std::string bytes) {
    ModelSource s = Source(std::move(key), ReadFixture("inference/external_relative.onnx"));
    s.load_external = [location, bytes]() -> Result<std::vector<ExternalFile>> {
      return std::vector<ExternalFile>{ExternalFile{location, bytes}};
    };
    return s;
  };
  const std::string bytes(reinterpret_cast<const char*>(w.data()), sizeof(float) * w.size());
  auto out =
      engine_->Run(with("ok", "w.bin", bytes), {Floats("x", {4}, {1, 2, 3, 4})}, RunOptions{});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(test::ValuesOf<float>((*out)[0]), (std::vector<float>{11, 22, 33, 44}));

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("mv-external-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "w.bin", std::ios::binary) << bytes; }
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  for (auto [key, location, data] :
       {std::tuple<const char*, const char*, std::string>{"short", "w.bin", bytes.substr(0, 8)},
        {"other", "x.bin", bytes}}) {
    for (bool optimized : {true, false}) {
      RunOptions o;
      o.optimized = optimized;
      Status s =
          engine_->Run(with(key, location, data), {Floats("x", {4}, {1, 2, 3, 4})}, o).status();
      EXPECT_EQ(s.code(), Code::kInvalidArgument) << key << ": " << s.ToString();
      EXPECT_NE(s.message().find(key == std::string("short") ? "out of bounds" : "not found"),
                std::string::npos)
          << s.message();
    }
  }
  // An initializer in a subgraph, whose file ORT would look for on disk: refused before
  // ORT sees the model.
  { std::ofstream(dir / "secret.bin", std::ios::binary) << bytes; }
  ModelSource sub = with("subgraph", "w.bin", bytes);
  sub.load = [] { return Result<std::string>(ReadFixture("inference/external_in_subgraph.onnx")); };
  Tensor c = MakeTensor<uint8_t>("c", DType::kBool, {}, {1});
  for (bool optimized : {true, false}) {
    RunOptions o;
    o.optimized = optimized;
    Status s = engine_->Run(sub, {Floats("x", {4}, {1, 2, 3, 4}), c}, o).status();
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("outside the main graph's initializers"), std::string::npos)
        << s.message();
  }
  std::filesystem::current_path(cwd);
  std::filesystem::remove_all(dir);
}

TEST(OrtEngineOptionsTest, BadOptionsAreRefusedAndThreadsResolve) {
  OrtEngineOptions o;
  o.max_sessions = 0;
  EXPECT_EQ(OrtEngine::Create(o).status().code(), Code::kInvalidArgument);
  o = OrtEngineOptions{};
  o.intra_op_threads = -1;
  EXPECT_EQ(OrtEngine::Create(o).status().code(), Code::kInvalidArgument);
  o = OrtEngineOptions{};
  o.max_session_bytes = 0;
  EXPECT_EQ(OrtEngine::Create(o).status().code(), Code::kInvalidArgument);
  Result<std::unique_ptr<OrtEngine>> e = OrtEngine::Create(OrtEngineOptions{});
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_GE((*e)->options().intra_op_threads, 1);
  EXPECT_FALSE((*e)->options().allow_spinning);
}

}  // namespace
}  // namespace mv::inference
