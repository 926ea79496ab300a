// A Clock the test moves by hand. Thread-safe, like the interface promises.
#pragma once

#include <atomic>
#include <cstdint>

#include "registry/clock.h"

namespace mv::test {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_ms_(start_ms) {}

  int64_t NowMs() override { return now_ms_.load(); }
  void Set(int64_t ms) { now_ms_.store(ms); }
  void Advance(int64_t ms) { now_ms_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace mv::test
