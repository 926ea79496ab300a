// Batcher in front of the real OrtEngine: concurrent single-item runs become one run whose
// rows are bitwise those of unbatched runs, a lone run waits no longer than its delay,
// different shapes are never mixed, a batch's error reaches every member and a malformed
// request fails alone. Groups fill by count (delays far longer than the test) wherever the
// outcome must not depend on timing.
#include "registry/inference/batcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/inference/mlp_onnx.h"
#include "tests/unit/inference/ort_test_util.h"

namespace mv::inference {
namespace {

using test::Floats;
using test::MakeEngine;
using test::MlpOnnx;
using test::MlpRow;
using test::ReadFixture;
using test::Source;
using test::ValuesOf;

constexpr int64_t kForever = 60'000'000;  // a delay no test waits out: groups fill by count

RunOptions Batched(int max_batch, int64_t delay_us) {
  RunOptions o;
  o.batch.max_batch = max_batch;
  o.batch.max_delay_us = delay_us;
  return o;
}

// Batch sizes the batcher reported.
class Sizes {
 public:
  void Hook(Batcher& b) {
    b.OnBatch([this](size_t n) {
      std::lock_guard<std::mutex> lock(mu_);
      sizes_.push_back(n);
    });
  }
  std::vector<size_t> Sorted() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<size_t> s = sizes_;
    std::sort(s.begin(), s.end());
    return s;
  }

 private:
  std::mutex mu_;
  std::vector<size_t> sizes_;
};

// Runs `inputs[i]` on thread i, all at once; the results in the same order.
std::vector<Result<std::vector<Tensor>>> RunConcurrently(
    InferenceEngine& engine, const ModelSource& src,
    const std::vector<std::vector<Tensor>>& inputs, const RunOptions& options) {
  std::vector<Result<std::vector<Tensor>>> out(inputs.size(), Internal("not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < inputs.size(); ++i) {
    threads.emplace_back([&, i] { out[i] = engine.Run(src, inputs[i], options); });
  }
  for (std::thread& t : threads) t.join();
  return out;
}

void ExpectBatchedEqualsAlone(int threads_per_session) {
  OrtEngineOptions eo;
  eo.intra_op_threads = threads_per_session;
  auto engine = MakeEngine(eo);
  ASSERT_NE(engine, nullptr);
  Batcher batcher(*engine);
  Sizes sizes;
  sizes.Hook(batcher);
  const test::MlpShape shape;
  const ModelSource src = Source("mlp", MlpOnnx(shape));
  constexpr int kN = 16;
  std::vector<std::vector<Tensor>> inputs;
  for (int i = 0; i < kN; ++i) inputs.push_back({Floats("x", {1, shape.in}, MlpRow(shape.in, i))});

  const auto batched = RunConcurrently(batcher, src, inputs, Batched(kN, kForever));
  EXPECT_EQ(sizes.Sorted(), (std::vector<size_t>{kN}));
  for (int i = 0; i < kN; ++i) {
    ASSERT_TRUE(batched[i].ok()) << batched[i].status().ToString();
    Result<std::vector<Tensor>> alone = engine->Run(src, inputs[i], RunOptions{});
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    ASSERT_EQ(batched[i]->size(), 1u);
    const Tensor& y = (*batched[i])[0];
    EXPECT_EQ(y.name, "y");
    EXPECT_EQ(y.shape, (std::vector<int64_t>{1, shape.out}));
    // Bitwise: ONNX Runtime's Gemm computes each output row from its own input row with
    // the same kernel and summation order whatever the number of rows.
    EXPECT_EQ(y.data, (*alone)[0].data) << "row " << i;
  }
}

TEST(BatcherTest, ConcurrentRunsBecomeOneBatchBitwiseEqualToRunsAlone) {
  ExpectBatchedEqualsAlone(1);
}

TEST(BatcherTest, BitwiseEqualWithTwoIntraOpThreads) { ExpectBatchedEqualsAlone(2); }

TEST(BatcherTest, FullBatchesRunAtOnceAndTheRestWaitsForCompanions) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  Batcher batcher(*engine);
  Sizes sizes;
  sizes.Hook(batcher);
  const test::MlpShape shape;
  const ModelSource src = Source("mlp", MlpOnnx(shape));
  std::vector<std::vector<Tensor>> inputs;
  for (int i = 0; i < 12; ++i) inputs.push_back({Floats("x", {1, shape.in}, MlpRow(shape.in, i))});
  // Groups of 4: three full batches, whoever arrives in which.
  const auto out = RunConcurrently(batcher, src, inputs, Batched(4, kForever));
  for (const auto& r : out) EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(sizes.Sorted(), (std::vector<size_t>{4, 4, 4}));
}

TEST(BatcherTest, LoneRunWaitsTheDelayThenRunsAlone) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  Batcher batcher(*engine);
  Sizes sizes;
  sizes.Hook(batcher);
  const test::MlpShape shape;
  const ModelSource src = Source("mlp", MlpOnnx(shape));
  ASSERT_TRUE(engine->Signature(src).ok());  // loaded: the timing below is one run
  constexpr int64_t kDelayUs = 100'000;
  const auto start = std::chrono::steady_clock::now();
  auto r = batcher.Run(src, {Floats("x", {1, shape.in}, MlpRow(shape.in, 0))},
                       Batched(8, kDelayUs));
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GE(waited, std::chrono::microseconds(kDelayUs));
  // The delay plus one run of a small MLP; generous for a loaded machine.
  EXPECT_LT(waited, std::chrono::microseconds(kDelayUs) + std::chrono::seconds(5));
  EXPECT_EQ(sizes.Sorted(), (std::vector<size_t>{1}));
}

TEST(BatcherTest, DifferentShapesAreBatchedApart) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  Batcher batcher(*engine);
  Sizes sizes;
  sizes.Hook(batcher);
  // s = a ["batch", 2] + b ["batch", ?]: b of width 1 broadcasts, b of width 2 adds.
  const ModelSource src = Source("add", ReadFixture("inference/batch_add.onnx"));
  std::vector<std::vector<Tensor>> inputs;
  for (int i = 0; i < 8; ++i) {
    const float f = static_cast<float>(i);
    std::vector<float> b = i % 2 ? std::vector<float>{100 * f} : std::vector<float>{100 * f, -f};
    inputs.push_back({Floats("a", {1, 2}, {f, 2 * f}),
                      Floats("b", {1, static_cast<int64_t>(b.size())}, b)});
  }
  const auto out = RunConcurrently(batcher, src, inputs, Batched(4, kForever));
  EXPECT_EQ(sizes.Sorted(), (std::vector<size_t>{4, 4}));
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(out[i].ok()) << out[i].status().ToString();
    const float f = static_cast<float>(i);
    const std::vector<float> want =
        i % 2 ? std::vector<float>{101 * f, 102 * f} : std::vector<float>{101 * f, f};
    EXPECT_EQ(ValuesOf<float>((*out[i])[0]), want) << "request " << i;
  }
}

TEST(BatcherTest, ABatchErrorReachesEveryMember) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  Batcher batcher(*engine);
  Sizes sizes;
  sizes.Hook(batcher);
  const test::MlpShape shape;
  const ModelSource src = Source("mlp", MlpOnnx(shape));
  std::vector<std::vector<Tensor>> inputs(4, {Floats("nope", {1, shape.in}, MlpRow(shape.in, 1))});
  const auto out = RunConcurrently(batcher, src, inputs, Batched(4, kForever));
  EXPECT_EQ(sizes.Sorted(), (std::vector<size_t>{4}));
  for (const auto& r : out) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
  }
}

TEST(BatcherTest, MalformedOrMultiRowRequestsRunAloneAtOnce) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  Batcher batcher(*engine);
  Sizes sizes;
  sizes.Hook(batcher);
  const test::MlpShape shape;
  const ModelSource src = Source("mlp", MlpOnnx(shape));
  // Data shorter than its shape: refused by the engine, never joined to a batch.
  Tensor short_x = Floats("x", {1, shape.in}, MlpRow(shape.in, 0));
  short_x.data.resize(short_x.data.size() - 4);
  auto bad = batcher.Run(src, {short_x}, Batched(8, kForever));
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument) << bad.status().ToString();
  // Two rows: already a batch.
  std::vector<float> two = MlpRow(shape.in, 0);
  const std::vector<float> second = MlpRow(shape.in, 1);
  two.insert(two.end(), second.begin(), second.end());
  auto rows = batcher.Run(src, {Floats("x", {2, shape.in}, two)}, Batched(8, kForever));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ((*rows)[0].shape, (std::vector<int64_t>{2, shape.out}));
  // No policy: straight through.
  auto plain = batcher.Run(src, {Floats("x", {1, shape.in}, MlpRow(shape.in, 0))}, RunOptions{});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_TRUE(sizes.Sorted().empty());
}

TEST(BatcherTest, DifferentRequestedOutputsAreBatchedApart) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  Batcher batcher(*engine);
  Sizes sizes;
  sizes.Hook(batcher);
  const test::MlpShape shape;
  const ModelSource src = Source("mlp", MlpOnnx(shape));
  RunOptions named = Batched(2, kForever);
  named.outputs = {"y"};
  std::vector<std::thread> threads;
  std::vector<Status> status(4, Status::Ok());
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      status[i] = batcher
                      .Run(src, {Floats("x", {1, shape.in}, MlpRow(shape.in, i))},
                           i % 2 ? named : Batched(2, kForever))
                      .status();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& s : status) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(sizes.Sorted(), (std::vector<size_t>{2, 2}));
}

}  // namespace
}  // namespace mv::inference
