// OrtEngine's session cache on real models: LRU eviction by count and by bytes, one load per
// key under concurrent first requests, loads that do not block each other, and concurrent
// runs on one session.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "registry/inference/ort_engine.h"
#include "tests/unit/inference/ort_test_util.h"

namespace mv::inference {
namespace {

using test::Floats;
using test::MakeEngine;
using test::ReadFixture;
using test::Source;
using test::ValuesOf;

constexpr auto kWaitLimit = std::chrono::seconds(30);  // only reached when the engine is wrong

std::string Mlp() { return ReadFixture("formats/mlp_dynamic_batch.onnx"); }

TEST(OrtEngineCacheTest, EvictsLeastRecentlyUsedByCount) {
  OrtEngineOptions o;
  o.max_sessions = 2;
  auto engine = MakeEngine(o);
  ASSERT_NE(engine, nullptr);
  auto loads_a = std::make_shared<std::atomic<int>>(0);
  auto loads_b = std::make_shared<std::atomic<int>>(0);
  ModelSource a = Source("a", Mlp(), loads_a);
  ModelSource b = Source("b", Mlp(), loads_b);
  ModelSource c = Source("c", Mlp());
  ASSERT_TRUE(engine->Signature(a).ok());
  ASSERT_TRUE(engine->Signature(b).ok());
  ASSERT_TRUE(engine->Signature(a).ok());  // a is now the most recently used
  ASSERT_TRUE(engine->Signature(c).ok());
  EXPECT_TRUE(engine->Loaded("a"));
  EXPECT_FALSE(engine->Loaded("b"));
  EXPECT_TRUE(engine->Loaded("c"));
  EXPECT_EQ(engine->CachedSessions(), 2u);
  EXPECT_EQ(loads_a->load(), 1);
  ASSERT_TRUE(engine->Signature(b).ok());  // loaded again, evicting a
  EXPECT_EQ(loads_b->load(), 2);
  EXPECT_FALSE(engine->Loaded("a"));
}

TEST(OrtEngineCacheTest, EvictsByBytesAndRefusesAModelLargerThanTheCache) {
  const std::string bytes = Mlp();
  const auto size = static_cast<int64_t>(bytes.size());
  OrtEngineOptions o;
  o.max_session_bytes = 2 * size + size / 2;
  auto engine = MakeEngine(o);
  ASSERT_NE(engine, nullptr);
  for (const char* key : {"a", "b", "c"}) ASSERT_TRUE(engine->Signature(Source(key, bytes)).ok());
  EXPECT_FALSE(engine->Loaded("a"));
  EXPECT_TRUE(engine->Loaded("b"));
  EXPECT_TRUE(engine->Loaded("c"));
  EXPECT_EQ(engine->CachedBytes(), 2 * size);

  o.max_session_bytes = size - 1;
  auto small = MakeEngine(o);
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->Signature(Source("big", bytes)).status().code(), Code::kResourceExhausted);
  ModelSource unsized = Source("big", bytes);
  unsized.size = 0;  // the size is found out after loading
  EXPECT_EQ(small->Signature(unsized).status().code(), Code::kResourceExhausted);
  RunOptions as_written;
  as_written.optimized = false;
  EXPECT_EQ(small->Run(unsized, {}, as_written).status().code(), Code::kResourceExhausted);
  EXPECT_EQ(small->CachedSessions(), 0u);
  EXPECT_EQ(small->CachedBytes(), 0);
}

// Blocks until `count` threads have arrived (or the limit passes, failing the test).
class Gate {
 public:
  explicit Gate(int count) : count_(count) {}
  void Arrive() {
    std::lock_guard<std::mutex> lock(mu_);
    ++arrived_;
    cv_.notify_all();
  }
  bool Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWaitLimit, [&] { return arrived_ >= count_; });
  }

 private:
  const int count_;
  int arrived_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
};

TEST(OrtEngineCacheTest, ConcurrentFirstRequestsLoadOnce) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  constexpr int kThreads = 8;
  std::atomic<int> loads{0};
  Gate all_called(kThreads);
  ModelSource src;
  src.key = "shared";
  src.load = [&, bytes = Mlp()]() -> Result<std::string> {
    ++loads;
    // Hold the load open until every thread is inside Signature: an engine without a
    // per-key once would start a load of its own in each of them.
    EXPECT_TRUE(all_called.Wait());
    return bytes;
  };
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      all_called.Arrive();
      Result<ModelSignature> sig = engine->Signature(src);
      if (sig.ok() && sig->inputs.size() == 1 && sig->inputs[0].name == "x") ++ok;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(ok.load(), kThreads);
}

TEST(OrtEngineCacheTest, LoadingOneModelDoesNotBlockAnother) {
  auto engine = MakeEngine();
  ASSERT_NE(engine, nullptr);
  Gate other_done(1);
  ModelSource slow;
  slow.key = "slow";
  slow.load = [&, bytes = Mlp()]() -> Result<std::string> {
    // Returns only after another model was loaded and run: impossible if the engine held
    // its cache lock while loading.
    EXPECT_TRUE(other_done.Wait());
    return bytes;
  };
  std::thread t([&] { EXPECT_TRUE(engine->Signature(slow).ok()); });
  Result<std::vector<Tensor>> r =
      engine->Run(Source("fast", Mlp()), {Floats("x", {1, 4}, {1, 1, 1, 1})}, RunOptions{});
  other_done.Arrive();
  t.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ValuesOf<float>((*r)[0]), (std::vector<float>{6, 22, 38}));
  EXPECT_TRUE(engine->Loaded("slow"));
}

TEST(OrtEngineCacheTest, ConcurrentRunsOnOneSessionGetTheirOwnAnswers) {
  OrtEngineOptions o;
  o.intra_op_threads = 2;
  auto engine = MakeEngine(o);
  ASSERT_NE(engine, nullptr);
  auto loads = std::make_shared<std::atomic<int>>(0);
  ModelSource src = Source("mlp", Mlp(), loads);
  constexpr int kThreads = 8;
  constexpr int kRuns = 40;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int run = 0; run < kRuns; ++run) {
        const int batch = 1 + (i + run) % 4;
        std::vector<float> x;
        for (int k = 0; k < batch * 4; ++k) {
          x.push_back(static_cast<float>((i * 7 + run + k) % 9 - 3));
        }
        Result<std::vector<Tensor>> r =
            engine->Run(src, {Floats("x", {batch, 4}, x)}, RunOptions{});
        if (!r.ok() || ValuesOf<float>((*r)[0]) != test::MlpExpected(x) ||
            (*r)[0].shape != std::vector<int64_t>{batch, 3}) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(loads->load(), 1);
}

TEST(OrtEngineCacheTest, EvictionDuringUseKeepsAnswersRight) {
  OrtEngineOptions o;
  o.max_sessions = 1;
  auto engine = MakeEngine(o);
  ASSERT_NE(engine, nullptr);
  // Two keys fight over one slot from four threads: every run evicts someone's session,
  // possibly while another thread is running on it.
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  const std::string bytes = Mlp();
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      ModelSource src = Source(i % 2 ? "odd" : "even", bytes);
      for (int run = 0; run < 10; ++run) {
        const std::vector<float> x = {1, 0, static_cast<float>(run), 2};
        Result<std::vector<Tensor>> r = engine->Run(src, {Floats("x", {1, 4}, x)}, RunOptions{});
        // Unavailable is allowed: the one slot may be held by the other key's load.
        if (r.ok() ? ValuesOf<float>((*r)[0]) != test::MlpExpected(x)
                   : r.status().code() != Code::kUnavailable) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(engine->CachedSessions(), 1u);
}

}  // namespace
}  // namespace mv::inference
