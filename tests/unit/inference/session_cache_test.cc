// SessionCache on its own, with builders the test controls (the sessions are null: the
// cache never looks inside them).
#include "registry/inference/session_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

namespace mv::inference {
namespace {

constexpr auto kWaitLimit = std::chrono::seconds(30);

SessionCache::Builder Sized(int64_t bytes, std::atomic<int>* calls = nullptr) {
  return [bytes, calls]() -> Result<SessionCache::Built> {
    if (calls) ++*calls;
    SessionCache::Built b;
    b.bytes = bytes;
    return b;
  };
}

TEST(SessionCacheTest, BuildsOncePerKeyAndCountsBytes) {
  SessionCache cache(4, 100);
  std::atomic<int> calls{0};
  EXPECT_TRUE(cache.GetOrBuild("a", 10, Sized(10, &calls)).ok());
  EXPECT_TRUE(cache.GetOrBuild("a", 10, Sized(10, &calls)).ok());
  EXPECT_EQ(calls.load(), 1);
  EXPECT_TRUE(cache.Contains("a"));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.bytes(), 10);
}

TEST(SessionCacheTest, ActualSizeReplacesTheHintAndEvictsOthers) {
  SessionCache cache(4, 100);
  ASSERT_TRUE(cache.GetOrBuild("a", 40, Sized(40)).ok());
  ASSERT_TRUE(cache.GetOrBuild("b", 0, Sized(70)).ok());  // unknown hint, 70 after building
  EXPECT_FALSE(cache.Contains("a"));
  EXPECT_TRUE(cache.Contains("b"));
  EXPECT_EQ(cache.bytes(), 70);
  EXPECT_EQ(cache.GetOrBuild("c", 0, Sized(101)).status().code(), Code::kResourceExhausted);
  EXPECT_EQ(cache.GetOrBuild("c", 101, Sized(1)).status().code(), Code::kResourceExhausted);
  EXPECT_TRUE(cache.Contains("b"));
  EXPECT_EQ(cache.bytes(), 70);
}

TEST(SessionCacheTest, FailedBuildReachesItsWaitersAndIsRetried) {
  SessionCache cache(4, 100);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  std::atomic<int> calls{0};
  auto failing = [&]() -> Result<SessionCache::Built> {
    ++calls;
    started.set_value();
    EXPECT_EQ(released.wait_for(kWaitLimit), std::future_status::ready);
    return InvalidArgument("bad model");
  };
  std::thread first(
      [&] { EXPECT_EQ(cache.GetOrBuild("m", 1, failing).status().message(), "bad model"); });
  started.get_future().wait();
  // The key is loading: a second request waits for the same build instead of starting one.
  std::future<Status> second = std::async(
      std::launch::async, [&] { return cache.GetOrBuild("m", 1, Sized(1, &calls)).status(); });
  EXPECT_FALSE(cache.Contains("m"));
  release.set_value();
  first.join();
  Status s = second.get();
  // The second request either joined the failing build or (if it arrived after the failure
  // was recorded) built the model itself.
  if (s.ok()) {
    EXPECT_EQ(calls.load(), 2);
  } else {
    EXPECT_EQ(s.message(), "bad model");
    EXPECT_EQ(calls.load(), 1);
  }
  EXPECT_TRUE(cache.GetOrBuild("m", 1, Sized(1)).ok());
  EXPECT_TRUE(cache.Contains("m"));
}

TEST(SessionCacheTest, LoadingEntriesAreNotEvictedAndMakeTheCacheUnavailable) {
  SessionCache cache(1, 100);
  std::promise<void> release;
  std::promise<void> started;
  auto slow = [&, released = release.get_future().share()]() -> Result<SessionCache::Built> {
    started.set_value();
    EXPECT_EQ(released.wait_for(kWaitLimit), std::future_status::ready);
    return SessionCache::Built{nullptr, 5};
  };
  std::thread loader([&] { EXPECT_TRUE(cache.GetOrBuild("slow", 5, slow).ok()); });
  started.get_future().wait();
  Result<SessionCache::Session> r = cache.GetOrBuild("other", 5, Sized(5));
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  release.set_value();
  loader.join();
  EXPECT_TRUE(cache.Contains("slow"));
  EXPECT_TRUE(cache.GetOrBuild("other", 5, Sized(5)).ok());  // now "slow" can be evicted
  EXPECT_FALSE(cache.Contains("slow"));
}

TEST(SessionCacheTest, ThrowingBuilderBecomesAnError) {
  SessionCache cache(2, 100);
  auto throwing = []() -> Result<SessionCache::Built> { throw std::runtime_error("boom"); };
  Result<SessionCache::Session> r = cache.GetOrBuild("x", 1, throwing);
  EXPECT_EQ(r.status().code(), Code::kInternal);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0);
}

}  // namespace
}  // namespace mv::inference
