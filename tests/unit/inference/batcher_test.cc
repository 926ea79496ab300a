// Batcher in front of the real OrtEngine: concurrent single-item runs become one run whose
// rows are bitwise those of unbatched runs, a lone run runs at once, a waiting group runs
// when the run under way ends or its delay passes (whichever is first), different shapes
// are never mixed, a batch's error reaches every member and a malformed request fails
// alone. A GatedEngine between the batcher and the engine holds a "run under way" for as
// long as a test needs, and delays far longer than the tests make groups fill by count, so
// no outcome depends on timing.
#include "registry/inference/batcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/gated_engine.h"
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

// A batcher over a real engine, the MLP, and the batch sizes the batcher reported.
class BatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(1); }

  void Start(int intra_op_threads) {
    batcher_.reset();
    OrtEngineOptions eo;
    eo.intra_op_threads = intra_op_threads;
    engine_ = MakeEngine(eo);
    ASSERT_NE(engine_, nullptr);
    gate_ = std::make_unique<mv::test::GatedEngine>(*engine_);
    batcher_ = std::make_unique<Batcher>(*gate_);
    batcher_->OnBatch([this](size_t n) {
      std::lock_guard<std::mutex> lock(mu_);
      sizes_.push_back(n);
    });
  }

  void TearDown() override {
    gate_->Open();
    for (std::thread& t : blockers_) t.join();
  }

  // Starts a run of `inputs` that the gate holds, one per key: the runs of that key that
  // follow find a run under way. Returns once every blocker so far is held.
  void Block(const ModelSource& src, const std::vector<Tensor>& inputs, const RunOptions& options) {
    gate_->HoldNext(1);
    blockers_.emplace_back(
        [this, src, inputs, options] { static_cast<void>(batcher_->Run(src, inputs, options)); });
    gate_->WaitHeld(static_cast<int>(blockers_.size()));
  }

  std::vector<size_t> Sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<size_t> s = sizes_;
    std::sort(s.begin(), s.end());
    return s;
  }

  // One-row MLP inputs for rows 0..n-1.
  std::vector<std::vector<Tensor>> Rows(int n) const {
    std::vector<std::vector<Tensor>> inputs;
    for (int i = 0; i < n; ++i) {
      inputs.push_back({Floats("x", {1, shape_.in}, MlpRow(shape_.in, static_cast<uint32_t>(i)))});
    }
    return inputs;
  }

  void ExpectBatchedEqualsAlone();

  const test::MlpShape shape_;
  const ModelSource mlp_ = Source("mlp", MlpOnnx(shape_));
  std::unique_ptr<OrtEngine> engine_;
  std::unique_ptr<mv::test::GatedEngine> gate_;
  std::unique_ptr<Batcher> batcher_;
  std::vector<std::thread> blockers_;
  std::mutex mu_;
  std::vector<size_t> sizes_;
};

// Runs `inputs[i]` on thread i, all at once; the results in the same order.
std::vector<Result<std::vector<Tensor>>> RunConcurrently(
    InferenceEngine& engine, const ModelSource& src, const std::vector<std::vector<Tensor>>& inputs,
    const RunOptions& options) {
  std::vector<Result<std::vector<Tensor>>> out(inputs.size(), Internal("not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < inputs.size(); ++i) {
    threads.emplace_back([&, i] { out[i] = engine.Run(src, inputs[i], options); });
  }
  for (std::thread& t : threads) t.join();
  return out;
}

void BatcherTest::ExpectBatchedEqualsAlone() {
  constexpr int kN = 16;
  Block(mlp_, Rows(kN + 1)[kN], Batched(kN, kForever));
  const auto inputs = Rows(kN);
  const auto batched = RunConcurrently(*batcher_, mlp_, inputs, Batched(kN, kForever));
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, kN}));
  for (int i = 0; i < kN; ++i) {
    ASSERT_TRUE(batched[i].ok()) << batched[i].status().ToString();
    Result<std::vector<Tensor>> alone = engine_->Run(mlp_, inputs[i], RunOptions{});
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    ASSERT_EQ(batched[i]->size(), 1u);
    const Tensor& y = (*batched[i])[0];
    EXPECT_EQ(y.name, "y");
    EXPECT_EQ(y.shape, (std::vector<int64_t>{1, shape_.out}));
    // Bitwise: ONNX Runtime's Gemm computes each output row from its own input row with
    // the same kernel and summation order whatever the number of rows.
    EXPECT_EQ(y.data, (*alone)[0].data) << "row " << i;
  }
}

TEST_F(BatcherTest, ConcurrentRunsBecomeOneBatchBitwiseEqualToRunsAlone) {
  ExpectBatchedEqualsAlone();
}

TEST_F(BatcherTest, BitwiseEqualWithTwoIntraOpThreads) {
  Start(2);
  ExpectBatchedEqualsAlone();
}

TEST_F(BatcherTest, FullBatchesRunAtOnceEvenWhileARunIsUnderWay) {
  Block(mlp_, Rows(1)[0], Batched(4, kForever));
  // Groups of 4: three full batches, whoever arrives in which.
  const auto out = RunConcurrently(*batcher_, mlp_, Rows(12), Batched(4, kForever));
  for (const auto& r : out) EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 4, 4, 4}));
  const BatchTriggers t = batcher_->Triggers();
  EXPECT_EQ(t.idle, 1u);
  EXPECT_EQ(t.full, 3u);
  EXPECT_EQ(t.run_ended + t.deadline, 0u);
}

TEST_F(BatcherTest, MembersHoldTheWaitScopeOnlyWhileTheyWait) {
  std::atomic<int> made{0}, alive{0};
  batcher_->OnWait([&] {
    ++made;
    ++alive;
    return std::shared_ptr<void>(new int(0), [&](void* p) {
      delete static_cast<int*>(p);
      --alive;
    });
  });
  Block(mlp_, Rows(1)[0], Batched(4, kForever));  // runs at once: no wait
  const auto out = RunConcurrently(*batcher_, mlp_, Rows(4), Batched(4, kForever));
  for (const auto& r : out) EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(made.load(), 3);  // the member that fills the group runs it without waiting
  EXPECT_EQ(alive.load(), 0);
}

TEST_F(BatcherTest, ALoneRunIsNotHeldForItsDelay) {
  // With nothing under way a run starts at once: a delay of a minute would time the test out.
  for (int i = 0; i < 3; ++i) {
    auto r = batcher_->Run(mlp_, Rows(1)[0], Batched(8, kForever));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 1, 1}));
  const BatchTriggers t = batcher_->Triggers();
  EXPECT_EQ(t.idle, 3u);
  EXPECT_EQ(t.full + t.run_ended + t.deadline, 0u);
  EXPECT_EQ(batcher_->Waiting(), 0u);
}

TEST_F(BatcherTest, AWaitingGroupRunsWhenTheRunUnderWayEnds) {
  std::mutex mu;
  std::condition_variable cv;
  int waiting = 0;
  batcher_->OnWait([&]() -> std::shared_ptr<void> {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++waiting;
    }
    cv.notify_all();
    return nullptr;
  });
  Block(mlp_, Rows(4)[3], Batched(8, kForever));
  std::vector<std::thread> threads;
  std::vector<Status> status(3, Internal("not run"));
  const auto inputs = Rows(3);
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back(
        [&, i] { status[i] = batcher_->Run(mlp_, inputs[i], Batched(8, kForever)).status(); });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return waiting == 3; });  // all three joined the open group
  }
  EXPECT_EQ(batcher_->Waiting(), 3u);
  gate_->Open();  // the run under way ends: the group of 3 runs, not after a minute
  for (std::thread& t : threads) t.join();
  for (const Status& st : status) EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 3}));
  const BatchTriggers t = batcher_->Triggers();
  EXPECT_EQ(t.idle, 1u);
  EXPECT_EQ(t.run_ended, 1u);
  EXPECT_EQ(t.full + t.deadline, 0u);
}

TEST_F(BatcherTest, AWaitingGroupRunsAtItsDeadlineWhileARunIsUnderWay) {
  // The run under way never ends during the test; a member still waits no longer than its
  // delay, so its wait is bounded by max_delay_us even behind a slow run.
  Block(mlp_, Rows(2)[1], Batched(8, 1000));  // the same policy: the same queue
  auto r = batcher_->Run(mlp_, Rows(1)[0], Batched(8, 1000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 1}));
  const BatchTriggers t = batcher_->Triggers();
  EXPECT_EQ(t.idle, 1u);
  EXPECT_EQ(t.deadline, 1u);
  EXPECT_EQ(t.full + t.run_ended, 0u);
}

TEST_F(BatcherTest, DifferentShapesAreBatchedApart) {
  // s = a ["batch", 2] + b ["batch", ?]: b of width 1 broadcasts, b of width 2 adds.
  const ModelSource add = Source("add", ReadFixture("inference/batch_add.onnx"));
  std::vector<std::vector<Tensor>> inputs;
  for (int i = 0; i < 8; ++i) {
    const float f = static_cast<float>(i);
    std::vector<float> b = i % 2 ? std::vector<float>{100 * f} : std::vector<float>{100 * f, -f};
    inputs.push_back(
        {Floats("a", {1, 2}, {f, 2 * f}), Floats("b", {1, static_cast<int64_t>(b.size())}, b)});
  }
  Block(add, inputs[0], Batched(4, kForever));  // a run under way for each shape
  Block(add, inputs[1], Batched(4, kForever));
  const auto out = RunConcurrently(*batcher_, add, inputs, Batched(4, kForever));
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 1, 4, 4}));
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(out[i].ok()) << out[i].status().ToString();
    const float f = static_cast<float>(i);
    const std::vector<float> want =
        i % 2 ? std::vector<float>{101 * f, 102 * f} : std::vector<float>{101 * f, f};
    EXPECT_EQ(ValuesOf<float>((*out[i])[0]), want) << "request " << i;
  }
}

TEST_F(BatcherTest, ABatchErrorReachesEveryMember) {
  std::vector<std::vector<Tensor>> inputs(4,
                                          {Floats("nope", {1, shape_.in}, MlpRow(shape_.in, 1))});
  Block(mlp_, inputs[0], Batched(4, kForever));
  const auto out = RunConcurrently(*batcher_, mlp_, inputs, Batched(4, kForever));
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 4}));
  for (const auto& r : out) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
  }
}

TEST_F(BatcherTest, MalformedOrMultiRowRequestsRunAloneAtOnce) {
  // Data shorter than its shape: refused by the engine, never joined to a batch.
  Tensor short_x = Rows(1)[0][0];
  short_x.data.resize(short_x.data.size() - 4);
  auto bad = batcher_->Run(mlp_, {short_x}, Batched(8, kForever));
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument) << bad.status().ToString();
  // Two rows: already a batch.
  std::vector<float> two = MlpRow(shape_.in, 0);
  const std::vector<float> second = MlpRow(shape_.in, 1);
  two.insert(two.end(), second.begin(), second.end());
  auto rows = batcher_->Run(mlp_, {Floats("x", {2, shape_.in}, two)}, Batched(8, kForever));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ((*rows)[0].shape, (std::vector<int64_t>{2, shape_.out}));
  // No policy: straight through.
  auto plain = batcher_->Run(mlp_, Rows(1)[0], RunOptions{});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_TRUE(Sizes().empty());
}

TEST_F(BatcherTest, DifferentRequestedOutputsAreBatchedApart) {
  RunOptions named = Batched(2, kForever);
  named.outputs = {"y"};
  const auto inputs = Rows(4);
  Block(mlp_, inputs[0], named);  // a run under way for each set of outputs
  Block(mlp_, inputs[0], Batched(2, kForever));
  std::vector<std::thread> threads;
  std::vector<Status> status(4, Status::Ok());
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      status[i] = batcher_->Run(mlp_, inputs[i], i % 2 ? named : Batched(2, kForever)).status();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& s : status) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Sizes(), (std::vector<size_t>{1, 1, 2, 2}));
}

}  // namespace
}  // namespace mv::inference
